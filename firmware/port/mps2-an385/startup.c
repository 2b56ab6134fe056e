/*
 * firmware/port/mps2-an385/startup.c - reset and the vector table of the
 * Cortex-M3 on QEMU's mps2-an385.
 *
 * Promise: at reset, .data is copied from flash, .bss is zeroed, the
 * stack-fill pattern is written below the stack (so the firmware can
 * report its high-water mark) and main() runs.  Every unexpected
 * exception parks the core in a loop that a debugger can see (the name
 * says which), never returns into random code.  No C library start-up
 * files are used (-nostartfiles).
 */
#include <stdint.h>

#include "firmware/port/mps2-an385/board.h"

extern uint32_t __data_start__, __data_end__, __data_load__;
extern uint32_t __bss_start__, __bss_end__;
extern uint32_t __stack_top__, __stack_limit__;

int main(void);
void pb_reset_handler(void);

#define STACK_FILL 0xA5A5A5A5u

void pb_reset_handler(void)
{
	uint32_t *s = &__data_load__, *d = &__data_start__;
	while (d < &__data_end__)
		*d++ = *s++;
	for (d = &__bss_start__; d < &__bss_end__; d++)
		*d = 0;
	/* paint the stack below the current frame for the high-water mark */
	uint32_t *sp;
	__asm volatile ("mov %0, sp" : "=r" (sp));
	for (d = &__stack_limit__; d < sp - 16; d++)
		*d = STACK_FILL;
	main();
	for (;;)
		__asm volatile ("wfi");
}

uint32_t pb_board_stack_unused(void)
{
	const uint32_t *p = &__stack_limit__;
	while (p < &__stack_top__ && *p == STACK_FILL)
		p++;
	return (uint32_t)((const uint8_t *)p - (const uint8_t *)&__stack_limit__);
}

uint32_t pb_board_stack_size(void)
{
	return (uint32_t)((const uint8_t *)&__stack_top__ -
	    (const uint8_t *)&__stack_limit__);
}

/* Each fault has its own loop so a debugger's backtrace names it. */
static void nmi_handler(void) { for (;;) {} }
static void hardfault_handler(void) { for (;;) {} }
static void memmanage_handler(void) { for (;;) {} }
static void busfault_handler(void) { for (;;) {} }
static void usagefault_handler(void) { for (;;) {} }
static void unexpected_handler(void) { for (;;) {} }

typedef void (*vector_fn)(void);

#define IRQ_UNEXPECTED4 unexpected_handler, unexpected_handler, \
	unexpected_handler, unexpected_handler

/* Cortex-M3 exceptions 1..15, then the AN385 interrupts 0..31
 * (0 UART0 RX, 1 UART0 TX, 8 TIMER0, ...): 48 entries, every one set. */
__attribute__((section(".vectors"), used))
static const vector_fn vectors[] = {
	(vector_fn)(uintptr_t)&__stack_top__,
	pb_reset_handler,
	nmi_handler,
	hardfault_handler,
	memmanage_handler,
	busfault_handler,
	usagefault_handler,
	unexpected_handler, unexpected_handler, unexpected_handler,
	unexpected_handler,        /* 7..10 reserved */
	unexpected_handler,        /* SVCall */
	unexpected_handler,        /* DebugMonitor */
	unexpected_handler,        /* reserved */
	unexpected_handler,        /* PendSV */
	pb_board_systick_irq,      /* SysTick */
	pb_board_uart0_rx_irq,     /* IRQ 0: UART0 RX */
	unexpected_handler,        /* IRQ 1: UART0 TX */
	unexpected_handler, unexpected_handler,              /* IRQ 2, 3 */
	IRQ_UNEXPECTED4, IRQ_UNEXPECTED4, IRQ_UNEXPECTED4,  /* IRQ 4..15 */
	IRQ_UNEXPECTED4, IRQ_UNEXPECTED4, IRQ_UNEXPECTED4,  /* IRQ 16..27 */
	IRQ_UNEXPECTED4,                                     /* IRQ 28..31 */
};
_Static_assert(sizeof vectors / sizeof vectors[0] == 48, "vector table");
