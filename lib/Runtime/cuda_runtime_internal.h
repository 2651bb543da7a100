/*===- cuda_runtime_internal.h - seqc_run <-> CUDA runtime ---------*- C
 * -*-===*/
#ifndef SEQC_CUDA_RUNTIME_INTERNAL_H
#define SEQC_CUDA_RUNTIME_INTERNAL_H

/* Before a CUDA-target model runs: loads the driver, makes the context
 * current and clears the error. Returns NULL or the error message. */
const char *seqc_cuda_begin(void);
/* After it ran: NULL, or the first error of the run. */
const char *seqc_cuda_end(void);

#endif
