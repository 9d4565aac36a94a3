#ifndef RNN_KERNEL_FUZZ_DRIVER_H
#define RNN_KERNEL_FUZZ_DRIVER_H
#include <stddef.h>
#include <stdint.h>
/// Runs libFuzzer's driver (its own main) with the program's arguments and the target's callback.
int rnn_fuzz_run(int argc, char **argv, int (*callback)(const uint8_t *data, size_t size));
#endif
