//===- FlashAttention.h - shared parts of the attention kernels -*- C++ -*-===//
//
// Internal to lib/Target/CUDA: the kernel configuration, the marker
// attribute and the pieces both attention kernels (FlashAttentionMma.cpp,
// FlashAttentionFma.cpp) are built from. FlashAttention.cpp has the design.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_LIB_TARGET_CUDA_FLASHATTENTION_H
#define SEQC_LIB_TARGET_CUDA_FLASHATTENTION_H

#include "KernelBuilder.h"

#include "mlir/IR/BuiltinTypes.h"

namespace seqc::flash {
using namespace mlir;

/// Marks the private declarations seq-gpu-mark-attention calls; on the
/// calls it holds the op's attributes.
constexpr StringLiteral kMarkerAttr = "seq.flash_attention";
constexpr int64_t kTile = 64; // keys per KV tile, rows per 4-warp CTA
constexpr int64_t kWarps = 4; // 16 rows each
constexpr int64_t kSMs = 132; // H100 SXM; only steers the split-K choice

struct Config {
  int64_t batch, hq, hkv, sq, skv, d;
  Type elt;
  double scale;
  bool causal;
  int64_t offset;
  int64_t splits;
  int64_t kvTile = kTile; // keys per KV tile (32 on the f32 path)
  int64_t warps = kWarps; // mma path: 16 rows per warp (fewer for decode)
  int64_t rowsPerCta() const { return 16 * warps; }
  // Derived.
  int64_t group() const { return hq / hkv; }
  int64_t rows() const { return group() * sq; }
  int64_t rowTiles() const {
    return (rows() + rowsPerCta() - 1) / rowsPerCta();
  }
  int64_t kvTiles() const { return (skv + kvTile - 1) / kvTile; }
  int64_t chunk() const { return (kvTiles() + splits - 1) / splits; }
};

using KB = KernelBuilder;

/// Per-thread coordinates of one of its two rows (g and g + 8 of its warp).
struct RowInfo {
  Value valid; // row < rows (null when every row is valid)
  Value head;  // query head
  Value i;     // query index
  Value limit; // last allowed key (null when no masking is needed)
};

/// Coordinates of packed row `row` (= g * Sq + i) of kv head `hk`; rows past
/// the end are clamped into range.
RowInfo rowCoords(KB &k, const Config &c, Value hk, Value row);

/// KV tile range [begin, end) of the CTA with first row r0 and KV split
/// `split` (causal: bounded by the largest query index among its rows).
std::pair<Value, Value> kvRange(KB &k, const Config &c, Value r0, Value split);

/// log2-sum-exp of a split from its running max (in log2 units) and row
/// sum; -inf when it saw no allowed key.
Value splitLse(KB &k, Value mLog2, Value lRow, Value negInf);

/// The grid both attention kernels use: x = row tile (times split), y = KV
/// head, z = batch, with K and V tiles of `tileType` in workgroup memory.
/// Leaves the builder at the start of the launch body.
struct CtaFrame {
  Value kSh, vSh, hk, batch, tid, rowTile, split;
};
CtaFrame openAttentionLaunch(KB &k, const Config &c, int64_t threads,
                             MemRefType tileType);

/// The f16/bf16 tensor-core kernel (FlashAttentionMma.cpp). `out` is the
/// attention result (splits == 1) or, with splits > 1, `part`
/// [splits,B,Hq,Sq,D] f32 and `lse` [splits,B,Hq,Sq] f32.
void buildFlashKernel(OpBuilder &b, Location loc, const Config &c, Value q,
                      Value kMem, Value vMem, Value out, Value part, Value lse);

/// The exact-f32 FMA kernel (FlashAttentionFma.cpp), same operands.
void buildFmaKernel(OpBuilder &b, Location loc, const Config &c, Value q,
                    Value kMem, Value vMem, Value out, Value part, Value lse);

/// The log-sum-exp merge of the split-K partial outputs into `out`.
void buildMergeKernel(OpBuilder &b, Location loc, const Config &c, Value part,
                      Value lse, Value out);

} // namespace seqc::flash

#endif // SEQC_LIB_TARGET_CUDA_FLASHATTENTION_H
