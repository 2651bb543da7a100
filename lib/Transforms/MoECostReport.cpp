//===- MoECostReport.cpp - expert FLOPs of the lowered seq.moe ops --------===//
//
// Appended to the seq-cascade-report table (`seqc --emit=cascade`): for every
// seqc_uk_moe call (seq.moe after seq-lower-moe, which records the shapes in
// `seq.moe_cost`), the expert FLOPs the grouped GEMMs run (k experts per
// token, at most: zero/copy/constant experts run none) against a dense
// mixture that runs every expert on every token, and the expert weight bytes
// the export's per-slot gather copies against those the grouped GEMMs read.
//
//===----------------------------------------------------------------------===//

#include "CostReport.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <algorithm>

using namespace mlir;

namespace seqc {

std::string moeCostReport(Operation *root) {
  struct Row {
    ArrayRef<int64_t> c;
    std::string where;
  };
  std::vector<Row> rows;
  root->walk([&](func::CallOp call) {
    auto cost = call->getAttrOfType<DenseI64ArrayAttr>("seq.moe_cost");
    if (!cost || cost.size() != 9)
      return;
    std::string where;
    llvm::raw_string_ostream ws(where);
    call.getLoc().print(ws);
    rows.push_back({cost.asArrayRef(), where});
  });
  if (rows.empty())
    return "";
  std::string s;
  llvm::raw_string_ostream os(s);
  os << "seq-moe-report: " << rows.size() << " mixture(s) of experts\n";
  os << llvm::formatv("{0,-3} {1,7} {2,3} {3,8} {4,13} {5,12} {6,8} "
                      "{7,13} {8,13}\n",
                      "#", "tokens", "k", "experts", "expert-flops",
                      "dense-flops", "run", "gather-bytes", "weight-bytes");
  for (auto [i, r] : llvm::enumerate(rows)) {
    // tokens, k, experts, ffn experts, hidden, up N, inter, shared N, I.
    int64_t t = r.c[0], k = r.c[1], e = r.c[2], f = r.c[3], h = r.c[4],
            n = r.c[5], in = r.c[6], sn = r.c[7], si = r.c[8];
    std::string tokens = t < 0 ? "?" : std::to_string(t);
    double tt = t < 0 ? 1.0 : (double)t; // per token when dynamic
    double perExpert = 2.0 * ((double)n * h + (double)h * in);
    double shared = 2.0 * tt * ((double)sn * h + (double)h * si);
    double run = tt * k * perExpert + shared;
    double dense = tt * e * perExpert + shared;
    double weightElems = (double)n * h + (double)h * in;
    double gather = tt * k * weightElems * 4.0;
    double read =
        (std::min<double>(f, tt * k) * weightElems + (sn * h + h * si)) * 4.0;
    os << llvm::formatv("{0,-3} {1,7} {2,3} {3,8} {4,13} {5,12} {6,8} "
                        "{7,13} {8,13}\n",
                        i, tokens, k, e, humanCount(run), humanCount(dense),
                        llvm::formatv("{0:f3}", run / dense).str(),
                        humanCount(gather) + "B", humanCount(read) + "B");
  }
  for (auto [i, r] : llvm::enumerate(rows))
    os << "  #" << i << " at " << r.where << "\n";
  return s;
}

} // namespace seqc
