#ifndef RNN_KERNEL_CZEROMQ_SHIM_H
#define RNN_KERNEL_CZEROMQ_SHIM_H
#include <zmq.h>
#endif
