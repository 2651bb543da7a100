/*===- bf16.c - bfloat16 conversion builtins for compiled models ---*- C -*-===*
 *
 * LLVM lowers `fptrunc float to bfloat` to a call to `__truncsfbf2` on targets
 * without native bf16 conversion instructions. That builtin lives in
 * compiler-rt (or libgcc >= 13), which the system `cc` used to link artifacts
 * may not provide, so the runtime carries it: round to nearest even, NaNs stay
 * (quiet) NaNs.
 *
 *===----------------------------------------------------------------------===*/
#include <stdint.h>
#include <string.h>

static uint16_t f32_to_bf16_bits(float f) {
  uint32_t u;
  memcpy(&u, &f, sizeof u);
  if ((u & 0x7fffffffu) > 0x7f800000u) /* NaN: keep sign/payload, set quiet */
    return (uint16_t)((u >> 16) | 0x40u);
  u += 0x7fffu + ((u >> 16) & 1u);
  return (uint16_t)(u >> 16);
}

__attribute__((visibility("hidden"))) __bf16 __truncsfbf2(float f) {
  uint16_t bits = f32_to_bf16_bits(f);
  __bf16 r;
  memcpy(&r, &bits, sizeof r);
  return r;
}
