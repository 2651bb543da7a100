//===- RaiseCausalMask.cpp - constant causal masks become `causal` --------===//
//
// Exporters often bake the causal mask into the graph: a constant
// [.., Sq, Skv] tensor that is 0 (or true) on and below the diagonal and a
// huge negative number (or false) above it. As a mask operand it is read for
// every score and hides the structure from the tiled cascade, which skips
// K/V tiles only for a positional `causal` mask. This pattern recognizes
// exactly that top-left causal constant and replaces it with `causal`, and
// a causal sliding-window band (key j visible to query i iff
// i - W < j <= i) with `causal` and `window_left = W - 1`.
//
// Equivalence: every query row keeps at least key 0, so the row max is
// finite and exp(masked - max) is exactly 0 in f32 whether the masked score
// is -inf or a finite value <= -1e30.
//
//===----------------------------------------------------------------------===//

#include "RaiseUtils.h"
#include "seqc/Transforms/Passes.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include <functional>

using namespace mlir;

namespace seqc {
namespace {
using namespace raise;

/// 1: the mask value lets the score through, 0: it removes it, -1: neither.
static int classify(double v) { return v == 0.0 ? 1 : v <= -1e30 ? 0 : -1; }

/// Whether `attr` ([..., Sq, Skv], every leading slice alike) allows key j
/// for query i exactly when j <= i and i - j <= `window` (-1 = no window).
/// The window is read off the last row (its first allowed key) and then
/// checked on every element, so a sliding-window band (Gemma-2, Mistral:
/// i - W < j <= i, i.e. window = W - 1) matches as well as plain causal.
static bool isTopLeftCausal(ElementsAttr attr, int64_t sq, int64_t skv,
                            int64_t &window) {
  auto type = cast<ShapedType>(attr.getType());
  if (type.getRank() < 2 || type.getShape().back() != skv ||
      type.getShape()[type.getRank() - 2] != sq || sq < 1)
    return false;
  int64_t n = type.getNumElements();
  Type elt = type.getElementType();
  std::function<int(int64_t)> at;
  if (auto res = dyn_cast<DenseF32ResourceElementsAttr>(attr)) {
    std::optional<ArrayRef<float>> data = res.tryGetAsArrayRef();
    if (!data || (int64_t)data->size() != n)
      return false;
    at = [data](int64_t i) { return classify((*data)[i]); };
  } else if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    if (elt.isInteger(1))
      at = [dense](int64_t i) { return dense.getValues<bool>()[i] ? 1 : 0; };
    else if (elt.isF32())
      at = [dense](int64_t i) { return classify(dense.getValues<float>()[i]); };
    else if (isa<FloatType>(elt))
      at = [dense](int64_t i) {
        return classify(dense.getValues<APFloat>()[i].convertToDouble());
      };
  }
  if (!at)
    return false;
  window = -1;
  int64_t last = (sq - 1) * skv;
  for (int64_t j = 0; j < std::min(sq, skv); ++j)
    if (at(last + j) == 1) {
      // Keys 0..j-1 hidden from the last query: a window of sq - 1 - j.
      if (j > 0)
        window = sq - 1 - j;
      break;
    }
  for (int64_t flat = 0; flat < n; ++flat) {
    int64_t j = flat % skv, i = flat / skv % sq;
    bool allowed = j <= i && (window < 0 || i - j <= window);
    if (at(flat) != (allowed ? 1 : 0))
      return false;
  }
  return true;
}

struct RaiseCausalMask : OpRewritePattern<seq::AttentionOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(seq::AttentionOp op,
                                PatternRewriter &rw) const override {
    Value mask = op.getMask();
    if (!mask || op.getCausal() || op.getKvSeqlen() || op.getScores() ||
        op.getQueryOffset() != 0 || op.getWindowLeft() >= 0 ||
        op.getWindowRight() >= 0)
      return rw.notifyMatchFailure(op, "not a plain masked attention");
    auto q = rankedType(op.getQuery()), k = rankedType(op.getKey());
    if (!q || !k || q.getRank() != 4 || k.getRank() != 4)
      return failure();
    int64_t sq = q.getShape()[2], skv = k.getShape()[2];
    ElementsAttr attr;
    int64_t window;
    if (ShapedType::isDynamic(sq) || ShapedType::isDynamic(skv) ||
        !matchPattern(mask, m_Constant(&attr)) ||
        !isTopLeftCausal(attr, sq, skv, window))
      return rw.notifyMatchFailure(op, "mask is not a causal constant");
    rw.modifyOpInPlace(op, [&] {
      op.getMaskMutable().clear();
      op.setCausal(true);
      if (window >= 0)
        op.setWindowLeft(window);
    });
    return success();
  }
};
} // namespace

void populateRaiseCausalMaskPatterns(RewritePatternSet &patterns) {
  patterns.add<RaiseCausalMask>(patterns.getContext());
}
} // namespace seqc
