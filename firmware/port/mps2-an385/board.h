/*
 * firmware/port/mps2-an385/board.h - the drivers of QEMU's mps2-an385
 * board (Cortex-M3, 25 MHz): UART0 with an RX interrupt into a ring
 * buffer, TIMER0 as the microsecond clock, SysTick as the 1 kHz wake-up,
 * the record store's flash sectors and the provisioned factory key
 * (nvflash.c), and the random source.
 *
 * Promise: pb_board_init() brings up the three peripherals; after it
 * pb_board_now_us() is monotonic (TIMER0 counts at 25 MHz; the 32-bit
 * counter is extended in software, so it must be read at least every
 * 171 s, which the 1 kHz wake-up guarantees); every byte the host sends
 * lands in the RX ring from the interrupt, or is counted as an overrun
 * when the ring is full; pb_board_uart_write() never blocks.
 * pb_board_random() fills n bytes from a SHA-256 pool: this board has no
 * TRNG, so the pool is fed with the TIMER0 count at every received byte
 * and every wake-up (the host's timing, not known ahead); a product port
 * uses its MCU's TRNG here (docs/firmware.md).  Register facts:
 * docs/firmware.md, "The reference board".
 */
#ifndef PB_PORT_MPS2_AN385_BOARD_H
#define PB_PORT_MPS2_AN385_BOARD_H

#include <stddef.h>
#include <stdint.h>

#define PB_BOARD_RX_RING  512          /* bytes, a power of two */

void     pb_board_init(void);
uint64_t pb_board_now_us(void);
/* Bytes received so far (drains the RX ring); never blocks. */
size_t   pb_board_uart_read(uint8_t *buf, size_t cap);
/* Queue bytes to UART0 while its transmitter has room; returns how many
 * were taken (0 when it is busy). */
size_t   pb_board_uart_write(const uint8_t *buf, size_t n);
/* Bytes lost because the RX ring was full. */
uint32_t pb_board_rx_overruns(void);
/* Sleep until the next interrupt (the 1 kHz tick or a received byte). */
void     pb_board_idle(void);
/* Random bytes for the factory nonce; 0 (this board never fails). */
int      pb_board_random(uint8_t *buf, size_t n);

/* Record store medium (nvflash.c): the record image from the four
 * sectors, and the persist hook of tools/pumpsim/eeprom.h. */
void     pb_board_nv_load(uint8_t *img, size_t size);
int      pb_board_nv_persist(void *ctx, size_t off, const uint8_t *bytes,
    size_t n);
/* The station key the line provisioned: 0 and the key, or -1 (none). */
int      pb_board_factory_key(const uint8_t **key, size_t *n);

/* Stack: its size and how much of it was never touched. */
uint32_t pb_board_stack_size(void);
uint32_t pb_board_stack_unused(void);

/* Interrupt handlers (the vector table in startup.c names them). */
void pb_board_uart0_rx_irq(void);
void pb_board_systick_irq(void);

#endif
