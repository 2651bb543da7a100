//===- Einsum.cpp - einsum equation analysis ------------------------------===//

#include "seq/IR/Einsum.h"

#include "mlir/IR/BuiltinTypeInterfaces.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <algorithm>

using namespace mlir;

namespace {
/// Label codes: letters are their character; ellipsis dim k (leftmost = 0)
/// is kEllipsisBase + k.
constexpr int64_t kEllipsisBase = 256;
constexpr int64_t kEllipsisToken = -1;

/// Splits a term into letters and at most one ellipsis token.
LogicalResult tokenize(StringRef term, SmallVectorImpl<int64_t> &tokens,
                       std::string &error) {
  bool sawEllipsis = false;
  for (size_t i = 0; i < term.size(); ++i) {
    char c = term[i];
    if (llvm::isAlpha(c)) {
      tokens.push_back(c);
      continue;
    }
    if (term.substr(i).starts_with("...") && !sawEllipsis) {
      sawEllipsis = true;
      tokens.push_back(kEllipsisToken);
      i += 2;
      continue;
    }
    error = "invalid subscript '" + term.str() +
            "' (letters and at most one '...' expected)";
    return failure();
  }
  return success();
}
} // namespace

FailureOr<seq::EinsumSpec>
seq::analyzeEinsum(StringRef equation, ArrayRef<ArrayRef<int64_t>> shapes,
                   std::string &error) {
  std::string eq;
  for (char c : equation)
    if (!llvm::isSpace(c))
      eq.push_back(c);
  StringRef lhs = eq, rhs;
  bool explicitOut = false;
  if (size_t arrow = lhs.find("->"); arrow != StringRef::npos) {
    rhs = lhs.substr(arrow + 2);
    lhs = lhs.substr(0, arrow);
    explicitOut = true;
  }
  SmallVector<StringRef> terms;
  lhs.split(terms, ',');
  if (terms.size() != shapes.size()) {
    error = "equation '" + equation.str() + "' has " +
            std::to_string(terms.size()) + " input subscripts for " +
            std::to_string(shapes.size()) + " operands";
    return failure();
  }

  // Expand every operand's subscript into one label per dim.
  SmallVector<SmallVector<int64_t>> tokens(terms.size());
  int64_t ellipsisRank = 0;
  for (auto [k, term] : llvm::enumerate(terms)) {
    if (failed(tokenize(term, tokens[k], error)))
      return failure();
    int64_t letters =
        llvm::count_if(tokens[k], [](int64_t t) { return t >= 0; });
    int64_t rank = shapes[k].size();
    bool hasEllipsis = letters != (int64_t)tokens[k].size();
    if (hasEllipsis ? letters > rank : letters != rank) {
      error = "subscript '" + term.str() + "' does not match operand " +
              std::to_string(k) + " of rank " + std::to_string(rank);
      return failure();
    }
    if (hasEllipsis)
      ellipsisRank = std::max(ellipsisRank, rank - letters);
  }
  SmallVector<SmallVector<int64_t>> labels(terms.size());
  llvm::DenseMap<int64_t, int64_t> count;
  SmallVector<int64_t> firstSeen;
  for (auto [k, toks] : llvm::enumerate(tokens)) {
    int64_t rank = shapes[k].size();
    int64_t letters = llvm::count_if(toks, [](int64_t t) { return t >= 0; });
    for (int64_t t : toks) {
      if (t != kEllipsisToken) {
        labels[k].push_back(t);
        continue;
      }
      int64_t e = rank - letters;
      for (int64_t j = 0; j < e; ++j)
        labels[k].push_back(kEllipsisBase + ellipsisRank - e + j);
    }
    for (int64_t l : labels[k])
      if (count[l]++ == 0)
        firstSeen.push_back(l);
  }

  // Output labels.
  SmallVector<int64_t> out;
  if (explicitOut) {
    SmallVector<int64_t> outTokens;
    if (failed(tokenize(rhs, outTokens, error)))
      return failure();
    for (int64_t t : outTokens) {
      if (t == kEllipsisToken) {
        for (int64_t j = 0; j < ellipsisRank; ++j)
          out.push_back(kEllipsisBase + j);
        continue;
      }
      if (!count.count(t)) {
        error = std::string("output label '") + char(t) +
                "' does not appear in any input";
        return failure();
      }
      if (llvm::is_contained(out, t)) {
        error = std::string("output label '") + char(t) + "' is repeated";
        return failure();
      }
      out.push_back(t);
    }
  } else {
    for (int64_t j = 0; j < ellipsisRank; ++j)
      out.push_back(kEllipsisBase + j);
    SmallVector<int64_t> once;
    for (int64_t l : firstSeen)
      if (l < kEllipsisBase && count[l] == 1)
        once.push_back(l);
    llvm::sort(once);
    llvm::append_range(out, once);
  }

  // Loops: output labels, then the summed ones in order of appearance.
  llvm::DenseMap<int64_t, int64_t> loopOf;
  SmallVector<int64_t> loopLabels(out);
  for (int64_t l : firstSeen)
    if (!llvm::is_contained(out, l))
      loopLabels.push_back(l);
  for (auto [i, l] : llvm::enumerate(loopLabels))
    loopOf[l] = i;

  EinsumSpec spec;
  spec.numOutputLoops = out.size();
  // Unset loops start at 1 so that broadcasting ellipsis dims can grow them.
  spec.loopSizes.assign(loopLabels.size(), 1);
  SmallVector<bool> fixed(loopLabels.size(), false);
  for (auto [k, lab] : llvm::enumerate(labels)) {
    for (auto [d, l] : llvm::enumerate(lab)) {
      int64_t loop = loopOf[l], size = shapes[k][d];
      int64_t &cur = spec.loopSizes[loop];
      bool ellipsis = l >= kEllipsisBase;
      if (ellipsis && size == 1)
        continue;
      if (!fixed[loop] || ShapedType::isDynamic(cur)) {
        if (!(fixed[loop] && ShapedType::isDynamic(size)))
          cur = size;
        fixed[loop] = true;
        continue;
      }
      if (!ShapedType::isDynamic(size) && size != cur) {
        std::string name =
            ellipsis ? std::string("'...'") : std::string("'") + char(l) + "'";
        error = "label " + name + " has inconsistent sizes " +
                std::to_string(cur) + " and " + std::to_string(size);
        return failure();
      }
    }
  }
  for (auto [k, lab] : llvm::enumerate(labels)) {
    SmallVector<int64_t> &loops = spec.operandLoops.emplace_back();
    for (auto [d, l] : llvm::enumerate(lab)) {
      int64_t loop = loopOf[l];
      bool broadcast =
          l >= kEllipsisBase && shapes[k][d] == 1 && spec.loopSizes[loop] != 1;
      loops.push_back(broadcast ? -1 : loop);
    }
  }
  return spec;
}
