//===- OutputFiles.h - how the drivers write their files --------*- C++ -*-===//
//
// Artifacts and headers are written atomically (to `<path>.tmp`, then
// renamed), so an interrupted or failed compilation never leaves a
// truncated file where a good one was; objects for the linker go to
// temporary files.
//
//===----------------------------------------------------------------------===//

#ifndef SEQC_DRIVER_OUTPUTFILES_H
#define SEQC_DRIVER_OUTPUTFILES_H

#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Location.h"
#include "mlir/IR/MLIRContext.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include <string>

namespace seqc {

/// Writes one output atomically: to `<path>.tmp`, renamed by write() ("-"
/// is stdout). The temporary file is removed when the write fails.
class AtomicOutput {
public:
  explicit AtomicOutput(llvm::StringRef path) : path(path.str()) {}
  ~AtomicOutput() {
    if (!committed && !tmp.empty())
      llvm::sys::fs::remove(tmp);
  }
  mlir::LogicalResult write(mlir::MLIRContext &ctx, llvm::StringRef bytes) {
    if (path == "-") {
      llvm::outs() << bytes;
      llvm::outs().flush();
      return mlir::success();
    }
    tmp = path + ".tmp";
    std::error_code ec;
    llvm::raw_fd_ostream os(tmp, ec, llvm::sys::fs::OF_None);
    if (!ec) {
      os << bytes;
      os.close();
      ec = os.error();
    }
    if (!ec)
      ec = llvm::sys::fs::rename(tmp, path);
    if (ec)
      return mlir::emitError(mlir::UnknownLoc::get(&ctx))
             << "cannot write '" << path << "': " << ec.message();
    committed = true;
    return mlir::success();
  }

private:
  std::string path, tmp;
  bool committed = false;
};

/// Writes `bytes` (an object file) to a new temporary file, whose name is
/// returned in `path`; the caller removes it.
inline mlir::LogicalResult writeTempObject(mlir::MLIRContext &ctx,
                                           llvm::StringRef bytes,
                                           std::string &path) {
  llvm::SmallString<128> p;
  int fd;
  if (std::error_code ec =
          llvm::sys::fs::createTemporaryFile("seqc", "o", fd, p))
    return mlir::emitError(mlir::UnknownLoc::get(&ctx))
           << "cannot create a temporary object file: " << ec.message();
  path = p.str().str();
  llvm::raw_fd_ostream os(fd, /*shouldClose=*/true);
  os << bytes;
  os.close();
  if (std::error_code ec = os.error())
    return mlir::emitError(mlir::UnknownLoc::get(&ctx))
           << "cannot write '" << path << "': " << ec.message();
  return mlir::success();
}

/// Writes `header` beside the linked artifact `soPath` (same name, `.h`),
/// atomically; when that fails the artifact is removed too, so the two
/// never disagree.
inline mlir::LogicalResult writeArtifactHeader(mlir::MLIRContext &ctx,
                                               llvm::StringRef soPath,
                                               llvm::StringRef header) {
  llvm::SmallString<128> headerPath(soPath);
  llvm::sys::path::replace_extension(headerPath, "h");
  AtomicOutput headerOut(headerPath);
  if (failed(headerOut.write(ctx, header))) {
    llvm::sys::fs::remove(soPath);
    return mlir::failure();
  }
  return mlir::success();
}

} // namespace seqc

#endif // SEQC_DRIVER_OUTPUTFILES_H
