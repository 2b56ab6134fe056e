/*
 * firmware/port/mps2-an385/board.c - UART0, TIMER0 and SysTick drivers
 * (see board.h).
 *
 * CMSDK APB UART0 at 0x40004000: DATA +0x00; STATE +0x04 (bit 0 TX full,
 * bit 1 RX full); CTRL +0x08 (bit 0 TX enable, bit 1 RX enable, bit 3 RX
 * interrupt enable); INTSTATUS/INTCLEAR +0x0C (bit 1 RX); BAUDDIV +0x10.
 * Its RX interrupt is NVIC IRQ 0.  QEMU models no baud rate, but BAUDDIV
 * must be 16 or more for the UART to run.
 *
 * CMSDK APB TIMER0 at 0x40000000: CTRL +0x00 (bit 0 enable), VALUE +0x04
 * (counts down at the 25 MHz peripheral clock), RELOAD +0x08.  Counting
 * SysTick interrupts loses 2-16 % of real time under QEMU, the TIMER0
 * counter stays within 0.5 %: time is read from the counter, SysTick only
 * wakes the core.
 */
#include "firmware/port/mps2-an385/board.h"

#include "firmware/ring.h"
#include "proto/sha256.h"

#define REG(a) (*(volatile uint32_t *)(uintptr_t)(a))

#define UART0          0x40004000u
#define UART_DATA      REG(UART0 + 0x00)
#define UART_STATE     REG(UART0 + 0x04)
#define UART_CTRL      REG(UART0 + 0x08)
#define UART_INT       REG(UART0 + 0x0C)
#define UART_BAUDDIV   REG(UART0 + 0x10)
#define UART_TX_FULL   (1u << 0)
#define UART_RX_FULL   (1u << 1)
#define UART_TX_EN     (1u << 0)
#define UART_RX_EN     (1u << 1)
#define UART_RX_IRQ_EN (1u << 3)
#define UART_RX_INT    (1u << 1)

#define TIMER0         0x40000000u
#define TIMER_CTRL     REG(TIMER0 + 0x00)
#define TIMER_VALUE    REG(TIMER0 + 0x04)
#define TIMER_RELOAD   REG(TIMER0 + 0x08)
#define TIMER_HZ       25000000u

#define SYST_CSR       REG(0xE000E010u)
#define SYST_RVR       REG(0xE000E014u)
#define SYST_CVR       REG(0xE000E018u)
#define NVIC_ISER0     REG(0xE000E100u)
#define NVIC_IRQ_UART0_RX 0

static uint8_t rx_mem[PB_BOARD_RX_RING];
static struct pb_ring rx;

/* entropy: TIMER0 counts at events the host times (board.h) */
static volatile uint32_t pool_mix;
static uint32_t pool_events;
static struct pb_sha256 pool;
static uint32_t draws;

/* software extension of the 32-bit down-counter */
static uint32_t last_count;
static uint64_t ticks;

void pb_board_init(void)
{
	pb_ring_init(&rx, rx_mem, sizeof rx_mem);

	TIMER_CTRL = 0;
	TIMER_RELOAD = 0xFFFFFFFFu;
	TIMER_VALUE = 0xFFFFFFFFu;
	TIMER_CTRL = 1u;
	last_count = TIMER_VALUE;
	ticks = 0;

	UART_BAUDDIV = 16;
	UART_CTRL = UART_TX_EN | UART_RX_EN | UART_RX_IRQ_EN;
	NVIC_ISER0 = 1u << NVIC_IRQ_UART0_RX;

	pb_sha256_init(&pool);
	SYST_RVR = TIMER_HZ / 1000u - 1u;   /* 1 kHz */
	SYST_CVR = 0;
	SYST_CSR = 7u;                       /* core clock, interrupt, on */
}

uint64_t pb_board_now_us(void)
{
	uint32_t c = TIMER_VALUE;
	ticks += (uint32_t)(last_count - c);  /* down-counter, wraps */
	last_count = c;
	return ticks / (TIMER_HZ / 1000000u);
}

void pb_board_uart0_rx_irq(void)
{
	/* Acknowledge first, then drain.  The other order loses the UART:
	 * a byte landing between the last read and the acknowledgement
	 * would sit in DATA with its interrupt already cleared, and the
	 * UART takes no further byte while DATA is full. */
	UART_INT = UART_RX_INT;
	while (UART_STATE & UART_RX_FULL) {
		uint8_t b = (uint8_t)UART_DATA;
		pb_ring_put(&rx, b);
		pool_mix = (pool_mix << 5 | pool_mix >> 27) ^ TIMER_VALUE ^ b;
	}
}

void pb_board_systick_irq(void)
{
	/* wakes the core from WFI; time comes from TIMER0 */
	pool_mix = (pool_mix << 7 | pool_mix >> 25) ^ TIMER_VALUE;
}

/* Fold what the interrupts gathered into the pool (main loop only). */
static void pool_stir(void)
{
	uint32_t w[2] = { pool_mix, TIMER_VALUE };
	pool_events++;
	pb_sha256_update(&pool, w, sizeof w);
}

int pb_board_random(uint8_t *buf, size_t n)
{
	while (n > 0) {
		struct pb_sha256 s = pool;
		uint8_t out[PB_SHA256_LEN];
		pool_stir();
		draws++;
		pb_sha256_update(&s, &draws, sizeof draws);
		pb_sha256_update(&s, &pool_events, sizeof pool_events);
		pb_sha256_final(&s, out);
		size_t k = n < sizeof out ? n : sizeof out;
		for (size_t i = 0; i < k; i++)
			buf[i] = out[i];
		pb_wipe(out, sizeof out);
		buf += k;
		n -= k;
	}
	return 0;
}

size_t pb_board_uart_read(uint8_t *buf, size_t cap)
{
	return pb_ring_get(&rx, buf, cap);
}

size_t pb_board_uart_write(const uint8_t *buf, size_t n)
{
	size_t i = 0;
	while (i < n && !(UART_STATE & UART_TX_FULL))
		UART_DATA = buf[i++];
	return i;
}

uint32_t pb_board_rx_overruns(void)
{
	return pb_ring_overruns(&rx);
}

void pb_board_idle(void)
{
	__asm volatile ("wfi");
	pool_stir();
}
