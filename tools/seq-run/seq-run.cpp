//===- seq-run.cpp - Run and check a seqc artifact ------------------------===//
//
// seq-run model.so [--data DIR] [--rtol R] [--atol A] [--bench N]
//                  [--warmup K] [--threads N] [--print] [--profile[=ROWS]]
// seq-run gen.so --prompt 12,5,77 --generate N [--temperature T] [--top-k K]
//                [--top-p P] [--seed S] [--bench N] [--threads N]
// seq-run --bisect model.onnx [--data DIR] [--rtol R] [--atol A] ...
//
// Loads a compiled artifact through its C ABI (seqc_runtime.h), feeds it the
// ONNX test-data inputs DIR/input_K.pb, compares its outputs with
// DIR/output_K.pb when present, and optionally times it. Does not link
// MLIR/LLVM: it only needs libdl and protobuf.
//
//===----------------------------------------------------------------------===//

#include "seqc/Onnx/TensorData.h"
#include "seqc/Runtime/seqc_runtime.h"

#include "onnx.pb.h"

// From libseqc_runtime.a (lib/Runtime/float8.c): decodes an 8- or 4-bit float
// bit pattern of ONNX type `format`.
extern "C" float seqc_small_float_to_f32(uint8_t bits, int32_t format);

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <dlfcn.h>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <sys/stat.h>
#include <unistd.h>
#include <vector>

namespace {

[[noreturn]] void die(const char *fmt, ...)
    __attribute__((format(printf, 1, 2)));
void die(const char *fmt, ...) {
  std::fprintf(stderr, "seq-run: error: ");
  va_list ap;
  va_start(ap, fmt);
  std::vfprintf(stderr, fmt, ap);
  va_end(ap);
  std::fprintf(stderr, "\n");
  std::exit(1);
}

//===----------------------------------------------------------------------===//
// The artifact's API
//===----------------------------------------------------------------------===//

struct Artifact {
  decltype(&seqc_get_model_info) getModelInfo = nullptr;
  decltype(&seqc_run) run = nullptr;
  decltype(&seqc_run_alloc) runAlloc = nullptr; // absent in older artifacts
  decltype(&seqc_free) free = nullptr;
  decltype(&seqc_last_error) lastError = nullptr;
  decltype(&seqc_dtype_size) dtypeSize = nullptr;
  const seqc_model_info *info = nullptr;
  void *lib = nullptr;
};

template <typename F>
void bind(void *lib, const char *path, const char *name, F &fn) {
  fn = reinterpret_cast<F>(dlsym(lib, name));
  if (!fn)
    die("%s: not a seqc artifact (no symbol '%s'; was libseqc_runtime.a "
        "linked in?)",
        path, name);
}

Artifact loadArtifact(const std::string &path) {
  // dlopen() searches the library path for names without a slash.
  std::string dlPath = path.find('/') == std::string::npos ? "./" + path : path;
  struct stat st;
  if (stat(dlPath.c_str(), &st) != 0)
    die("%s: no such file", path.c_str());
  void *lib = dlopen(dlPath.c_str(), RTLD_NOW | RTLD_LOCAL);
  if (!lib)
    die("%s: cannot load: %s", path.c_str(), dlerror());
  Artifact a;
  a.lib = lib;
  bind(lib, path.c_str(), "seqc_get_model_info", a.getModelInfo);
  bind(lib, path.c_str(), "seqc_run", a.run);
  bind(lib, path.c_str(), "seqc_last_error", a.lastError);
  a.runAlloc =
      reinterpret_cast<decltype(a.runAlloc)>(dlsym(lib, "seqc_run_alloc"));
  a.free = reinterpret_cast<decltype(a.free)>(dlsym(lib, "seqc_free"));
  bind(lib, path.c_str(), "seqc_dtype_size", a.dtypeSize);
  a.info = a.getModelInfo();
  if (!a.info)
    die("%s: invalid model description: %s", path.c_str(), a.lastError());
  return a;
}

/// --profile: the artifact's profiling API (lib/Runtime/profile.c). The
/// profiled runs are the timed ones (--bench N), else the single run.
struct Profiler {
  decltype(&seqc_profile_enable) enable = nullptr;
  decltype(&seqc_profile_reset) reset = nullptr;
  decltype(&seqc_profile_rows) rows = nullptr;
  decltype(&seqc_profile_format) format = nullptr;
  long maxRows = 0;
  double wallNs = 0; // the profiled runs' time as seen from here
  long runs = 0;

  void begin() {
    if (runs == 0)
      reset();
    enable(1);
  }
  void end(double ns) {
    enable(0);
    wallNs += ns;
    ++runs;
  }
  void report(const char *path) {
    if (rows(nullptr, 0) <= 0)
      die("%s: no profile hooks ran: compile the model with seqc "
          "--profile-hooks",
          path);
    int64_t len = format(nullptr, 0, (int64_t)wallNs, runs, maxRows);
    std::string text(len > 0 ? len + 1 : 1, '\0');
    format(text.data(), (int64_t)text.size(), (int64_t)wallNs, runs, maxRows);
    std::fputs(text.c_str(), stdout);
  }
};
Profiler *profiler = nullptr;

//===----------------------------------------------------------------------===//
// Tensors
//===----------------------------------------------------------------------===//

struct Tensor {
  int32_t dtype = 0;
  std::vector<int64_t> dims;
  std::vector<uint8_t> data; // row-major, dtype-sized elements

  int64_t numElements() const {
    int64_t n = 1;
    for (int64_t d : dims)
      n *= d;
    return n;
  }
};

const char *dtypeName(int32_t dtype) {
  switch (dtype) {
  case SEQC_FLOAT:
    return "float";
  case SEQC_UINT8:
    return "uint8";
  case SEQC_INT8:
    return "int8";
  case SEQC_UINT16:
    return "uint16";
  case SEQC_INT16:
    return "int16";
  case SEQC_INT32:
    return "int32";
  case SEQC_INT64:
    return "int64";
  case SEQC_BOOL:
    return "bool";
  case SEQC_FLOAT16:
    return "float16";
  case SEQC_DOUBLE:
    return "double";
  case SEQC_UINT32:
    return "uint32";
  case SEQC_UINT64:
    return "uint64";
  case SEQC_BFLOAT16:
    return "bfloat16";
  case SEQC_FLOAT8E4M3FN:
    return "float8e4m3fn";
  case SEQC_FLOAT8E4M3FNUZ:
    return "float8e4m3fnuz";
  case SEQC_FLOAT8E5M2:
    return "float8e5m2";
  case SEQC_FLOAT8E5M2FNUZ:
    return "float8e5m2fnuz";
  case SEQC_FLOAT8E8M0:
    return "float8e8m0";
  case SEQC_FLOAT4E2M1:
    return "float4e2m1";
  case SEQC_UINT4:
    return "uint4";
  case SEQC_INT4:
    return "int4";
  case SEQC_UINT2:
    return "uint2";
  case SEQC_INT2:
    return "int2";
  default:
    return "unknown";
  }
}

std::string formatDims(const int64_t *dims, int64_t rank) {
  std::string s = "[";
  for (int64_t i = 0; i < rank; ++i) {
    if (i)
      s += ",";
    s += dims[i] < 0 ? "?" : std::to_string(dims[i]);
  }
  return s + "]";
}
std::string formatDims(const std::vector<int64_t> &dims) {
  return formatDims(dims.data(), (int64_t)dims.size());
}

float halfToFloat(uint16_t h) {
  uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f,
           mant = h & 0x3ff, bits;
  if (exp == 0x1f) {
    bits = sign | 0x7f800000 | (mant << 13);
  } else if (exp != 0) {
    bits = sign | ((exp + 112) << 23) | (mant << 13);
  } else {
    float f = std::ldexp((float)mant, -24); // subnormal or zero
    return sign ? -f : f;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

uint16_t floatToHalf(float f) { // truncating; only used for bench inputs
  uint32_t bits;
  std::memcpy(&bits, &f, 4);
  uint16_t sign = (bits >> 16) & 0x8000;
  int32_t exp = (int32_t)((bits >> 23) & 0xff) - 112;
  if (exp <= 0)
    return sign;
  if (exp >= 0x1f)
    return sign | 0x7c00;
  return sign | (uint16_t)(exp << 10) | (uint16_t)((bits >> 13) & 0x3ff);
}

float bf16ToFloat(uint16_t h) {
  uint32_t bits = (uint32_t)h << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

using seqc::tensordata::subByteBits;

// Element i of t as a double (floating and integer types).
double elementAsDouble(const Tensor &t, int64_t i) {
  const uint8_t *p = t.data.data();
  switch (t.dtype) {
  case SEQC_FLOAT:
    return ((const float *)p)[i];
  case SEQC_DOUBLE:
    return ((const double *)p)[i];
  case SEQC_FLOAT16:
    return halfToFloat(((const uint16_t *)p)[i]);
  case SEQC_BFLOAT16:
    return bf16ToFloat(((const uint16_t *)p)[i]);
  case SEQC_UINT8:
    return ((const uint8_t *)p)[i];
  case SEQC_INT8:
    return ((const int8_t *)p)[i];
  case SEQC_UINT16:
    return ((const uint16_t *)p)[i];
  case SEQC_INT16:
    return ((const int16_t *)p)[i];
  case SEQC_INT32:
    return ((const int32_t *)p)[i];
  case SEQC_INT64:
    return (double)((const int64_t *)p)[i];
  case SEQC_BOOL:
    return p[i] != 0;
  case SEQC_UINT32:
    return ((const uint32_t *)p)[i];
  case SEQC_UINT64:
    return (double)((const uint64_t *)p)[i];
  case SEQC_FLOAT8E4M3FN:
  case SEQC_FLOAT8E4M3FNUZ:
  case SEQC_FLOAT8E5M2:
  case SEQC_FLOAT8E5M2FNUZ:
  case SEQC_FLOAT8E8M0:
  case SEQC_FLOAT4E2M1:
    return seqc_small_float_to_f32(p[i], t.dtype);
  case SEQC_UINT4:
  case SEQC_UINT2:
    return p[i] & ((1u << subByteBits(t.dtype)) - 1);
  case SEQC_INT4:
  case SEQC_INT2: { // sign-extend the low bits
    int bits = subByteBits(t.dtype);
    int v = p[i] & ((1 << bits) - 1);
    return v >= (1 << (bits - 1)) ? v - (1 << bits) : v;
  }
  default:
    return 0;
  }
}

bool isFloating(int32_t dtype) {
  switch (dtype) {
  case SEQC_FLOAT:
  case SEQC_DOUBLE:
  case SEQC_FLOAT16:
  case SEQC_BFLOAT16:
  case SEQC_FLOAT8E4M3FN:
  case SEQC_FLOAT8E4M3FNUZ:
  case SEQC_FLOAT8E5M2:
  case SEQC_FLOAT8E5M2FNUZ:
  case SEQC_FLOAT8E8M0:
  case SEQC_FLOAT4E2M1:
    return true;
  default:
    return false;
  }
}

bool fileExists(const std::string &path) {
  struct stat st;
  return stat(path.c_str(), &st) == 0;
}

// Reads an onnx::TensorProto file; dies with a message naming the file.
Tensor readTensor(const std::string &path, const Artifact &a) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    die("%s: cannot open file", path.c_str());
  std::stringstream buf;
  buf << in.rdbuf();
  onnx::TensorProto proto;
  if (!proto.ParseFromString(buf.str()))
    die("%s: not a valid onnx TensorProto", path.c_str());
  if (proto.data_location() == onnx::TensorProto::EXTERNAL)
    die("%s: external tensor data is not supported", path.c_str());
  Tensor t;
  t.dtype = proto.data_type();
  int64_t elemSize = a.dtypeSize(t.dtype);
  if (elemSize == 0)
    die("%s: unsupported data type %d", path.c_str(), t.dtype);
  if (proto.dims_size() > SEQC_MAX_RANK)
    die("%s: rank %d exceeds the maximum of %d", path.c_str(),
        proto.dims_size(), SEQC_MAX_RANK);
  int64_t count = seqc::tensordata::elementCount(proto);
  if (count < 0)
    die("%s: invalid shape", path.c_str());
  t.dims.assign(proto.dims().begin(), proto.dims().end());
  std::vector<char> data;
  std::string error = seqc::tensordata::decode(proto, count, data);
  if (!error.empty())
    die("%s: %s (%s)", path.c_str(), error.c_str(), dtypeName(t.dtype));
  if ((int64_t)data.size() != count * elemSize)
    die("%s: %s elements decode to %zu bytes, expected %lld", path.c_str(),
        dtypeName(t.dtype), data.size(), (long long)(count * elemSize));
  t.data.assign(data.begin(), data.end());
  return t;
}

// Checks a tensor read from `path` against the model's input info.
void checkInput(const std::string &path, const seqc_tensor_info &ti,
                const Tensor &t) {
  if (t.dtype != ti.dtype)
    die("%s: input '%s': expected dtype %s, got %s", path.c_str(), ti.name,
        dtypeName(ti.dtype), dtypeName(t.dtype));
  bool ok = (int32_t)t.dims.size() == ti.rank;
  for (int32_t i = 0; ok && i < ti.rank; ++i)
    ok = ti.dims[i] < 0 || ti.dims[i] == t.dims[i];
  if (!ok)
    die("%s: input '%s': expected shape %s, got %s", path.c_str(), ti.name,
        formatDims(ti.dims, ti.rank).c_str(), formatDims(t.dims).c_str());
}

// Deterministic inputs for --bench without --data: random floats, zeros else.
Tensor generateInput(const seqc_tensor_info &ti, const Artifact &a,
                     std::mt19937 &rng) {
  Tensor t;
  t.dtype = ti.dtype;
  for (int32_t i = 0; i < ti.rank; ++i) {
    if (ti.dims[i] < 0)
      die("input '%s' has dynamic shape %s: pass --data DIR", ti.name,
          formatDims(ti.dims, ti.rank).c_str());
    t.dims.push_back(ti.dims[i]);
  }
  int64_t n = t.numElements();
  t.data.assign(n * a.dtypeSize(ti.dtype), 0);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (int64_t i = 0; i < n; ++i) {
    float v = dist(rng);
    switch (ti.dtype) {
    case SEQC_FLOAT:
      ((float *)t.data.data())[i] = v;
      break;
    case SEQC_DOUBLE:
      ((double *)t.data.data())[i] = v;
      break;
    case SEQC_FLOAT16:
      ((uint16_t *)t.data.data())[i] = floatToHalf(v);
      break;
    case SEQC_BFLOAT16: {
      uint32_t bits;
      std::memcpy(&bits, &v, 4);
      ((uint16_t *)t.data.data())[i] = (uint16_t)(bits >> 16);
      break;
    }
    default:
      break;
    }
  }
  return t;
}

seqc_tensor asSeqcTensor(Tensor &t) {
  seqc_tensor s;
  std::memset(&s, 0, sizeof(s));
  s.data = t.data.data();
  s.dtype = t.dtype;
  s.rank = (int32_t)t.dims.size();
  std::copy(t.dims.begin(), t.dims.end(), s.dims);
  return s;
}

//===----------------------------------------------------------------------===//
// Comparing and printing
//===----------------------------------------------------------------------===//

// Compares `got` with the reference; prints one line; returns true if OK.
bool compareOutput(const seqc_tensor_info &ti, const Tensor &got,
                   const Tensor &want, double rtol, double atol) {
  std::printf("output '%s' %s %s: ", ti.name, formatDims(got.dims).c_str(),
              dtypeName(got.dtype));
  if (want.dtype != got.dtype || want.dims != got.dims) {
    std::printf("MISMATCH\n  reference is %s %s\n",
                formatDims(want.dims).c_str(), dtypeName(want.dtype));
    return false;
  }
  bool floating = isFloating(got.dtype);
  double maxAbs = 0, maxRel = 0;
  int64_t bad = 0, firstBad = -1, n = got.numElements();
  for (int64_t i = 0; i < n; ++i) {
    double a = elementAsDouble(got, i), b = elementAsDouble(want, i);
    bool ok;
    double err;
    if (!floating) {
      // Exact, and on the integer values (doubles lose 64-bit precision).
      ok = (got.dtype == SEQC_INT64 || got.dtype == SEQC_UINT64)
               ? ((const int64_t *)got.data.data())[i] ==
                     ((const int64_t *)want.data.data())[i]
               : a == b;
      err = ok ? 0 : std::fabs(a - b);
    } else if (std::isnan(a) || std::isnan(b)) {
      ok = std::isnan(a) && std::isnan(b);
      err = ok ? 0 : INFINITY;
    } else if (a == b) { // also equal infinities
      ok = true;
      err = 0;
    } else {
      err = std::fabs(a - b);
      ok = err <= atol + rtol * std::fabs(b);
    }
    maxAbs = std::max(maxAbs, err);
    if (b != 0 && !std::isnan(b))
      maxRel = std::max(maxRel, err / std::fabs(b));
    if (!ok && bad++ == 0)
      firstBad = i;
  }
  std::printf("max_abs_err=%.3g max_rel_err=%.3g %s\n", maxAbs, maxRel,
              bad ? "MISMATCH" : "OK");
  if (bad) {
    std::printf("  %lld of %lld elements differ; first at flat index %lld: "
                "got %.9g, expected %.9g\n",
                (long long)bad, (long long)n, (long long)firstBad,
                elementAsDouble(got, firstBad),
                elementAsDouble(want, firstBad));
  }
  return bad == 0;
}

void printSummary(const seqc_tensor_info &ti, const Tensor &t) {
  std::printf("output '%s' %s %s:", ti.name, formatDims(t.dims).c_str(),
              dtypeName(t.dtype));
  int64_t n = t.numElements(), shown = std::min<int64_t>(n, 8);
  for (int64_t i = 0; i < shown; ++i) {
    if (t.dtype == SEQC_INT64)
      std::printf(" %lld", (long long)((const int64_t *)t.data.data())[i]);
    else if (t.dtype == SEQC_UINT64)
      std::printf(" %llu",
                  (unsigned long long)((const uint64_t *)t.data.data())[i]);
    else
      std::printf(" %.6g", elementAsDouble(t, i));
  }
  std::printf("%s\n", n > shown ? " ..." : "");
}

//===----------------------------------------------------------------------===//
// Command line
//===----------------------------------------------------------------------===//

struct Options {
  std::string model, dataDir;
  double rtol = 1e-4, atol = 1e-5;
  long bench = 0, warmup = 3, threads = 0; // 0: the artifact's default
  bool print = false;
  long profile = -1; // --profile[=ROWS]: rows shown (0: all); -1: off
  // --generate: seqc_generate on a session of a generation artifact; more
  // than one prompt (--prompt repeated, or ';'-separated): a batch.
  std::vector<std::string> prompts;
  long generate = -1; // tokens to generate; -1: an ordinary run
  double temperature = 0, topP = 1;
  long topK = 0, seed = 0;
};

void usage(FILE *out) {
  std::fprintf(out,
               "usage: seq-run model.so [--data DIR] [--rtol R] [--atol A] "
               "[--bench N] [--warmup K] [--threads N] [--print]\n"
               "               [--profile[=ROWS]]\n"
               "       seq-run --bisect model.onnx [--data DIR] [--rtol R] "
               "[--atol A] [--seqc-arg ARG]...\n"
               "  --bisect     compile a debug variant of model.onnx, run it "
               "and onnxruntime\n"
               "               and name the first node whose output differs "
               "(python -m seqc bisect)\n"
               "  --data DIR   inputs DIR/input_K.pb, references "
               "DIR/output_K.pb (onnx TensorProto)\n"
               "  --rtol R     relative tolerance (default 1e-4)\n"
               "  --atol A     absolute tolerance (default 1e-5)\n"
               "  --bench N    time N runs after the warmup runs\n"
               "  --warmup K   warmup runs before timing (default 3)\n"
               "  --threads N  threads of the artifact (default: "
               "$SEQC_NUM_THREADS, else all CPUs)\n"
               "  --print      print the shape and first values of each "
               "output\n"
               "  --profile[=ROWS]\n"
               "               time per kernel / parallel region / loop nest "
               "of the timed\n"
               "               runs (of the run without --bench): the ROWS "
               "slowest (default\n"
               "               40, 0: all); needs seqc --profile-hooks\n"
               "  --prompt IDS --generate N\n"
               "               generation artifacts: prefill the comma-"
               "separated token ids,\n"
               "               generate N more; prints the ids, then prefill "
               "and decode times\n"
               "               (several prompts, --prompt repeated or "
               "'1,2;3,4': a batch,\n"
               "               one line of ids per prompt)\n"
               "  --temperature T, --top-k K, --top-p P, --seed S\n"
               "               sampling (default: greedy)\n");
}

double parseDouble(const char *flag, const char *s) {
  char *end;
  double v = std::strtod(s, &end);
  if (end == s || *end || !(v >= 0))
    die("%s: expected a non-negative number, got '%s'", flag, s);
  return v;
}

long parseCount(const char *flag, const char *s) {
  char *end;
  long v = std::strtol(s, &end, 10);
  if (end == s || *end || v < 0)
    die("%s: expected a non-negative integer, got '%s'", flag, s);
  return v;
}

Options parseArgs(int argc, char **argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    // Accept both "--flag value" and "--flag=value".
    std::string value;
    bool hasInline = false;
    if (arg.rfind("--", 0) == 0 && arg.find('=') != std::string::npos) {
      value = arg.substr(arg.find('=') + 1);
      arg = arg.substr(0, arg.find('='));
      hasInline = true;
    }
    auto next = [&]() -> const char * {
      if (hasInline)
        return value.c_str();
      if (i + 1 >= argc)
        die("%s: missing value", arg.c_str());
      return argv[++i];
    };
    if (arg == "-h" || arg == "--help") {
      usage(stdout);
      std::exit(0);
    } else if (arg == "--data") {
      o.dataDir = next();
    } else if (arg == "--rtol") {
      o.rtol = parseDouble("--rtol", next());
    } else if (arg == "--atol") {
      o.atol = parseDouble("--atol", next());
    } else if (arg == "--bench") {
      o.bench = parseCount("--bench", next());
    } else if (arg == "--warmup") {
      o.warmup = parseCount("--warmup", next());
    } else if (arg == "--threads") {
      o.threads = parseCount("--threads", next());
      if (o.threads < 1)
        die("--threads: expected a positive integer");
    } else if (arg == "--prompt") {
      std::string list = next();
      for (size_t pos = 0; pos <= list.size();) {
        size_t semi = std::min(list.find(';', pos), list.size());
        o.prompts.push_back(list.substr(pos, semi - pos));
        pos = semi + 1;
      }
    } else if (arg == "--generate") {
      o.generate = parseCount("--generate", next());
    } else if (arg == "--temperature") {
      o.temperature = parseDouble("--temperature", next());
    } else if (arg == "--top-k") {
      o.topK = parseCount("--top-k", next());
    } else if (arg == "--top-p") {
      o.topP = parseDouble("--top-p", next());
    } else if (arg == "--seed") {
      o.seed = parseCount("--seed", next());
    } else if (arg == "--print") {
      o.print = true;
    } else if (arg == "--profile") {
      o.profile = hasInline ? parseCount("--profile", value.c_str()) : 40;
    } else if (arg.size() > 1 && arg[0] == '-') {
      die("unknown option '%s' (see --help)", arg.c_str());
    } else if (o.model.empty()) {
      o.model = arg;
    } else {
      die("unexpected argument '%s' (one model at a time)", arg.c_str());
    }
  }
  if (o.model.empty()) {
    usage(stderr);
    std::exit(1);
  }
  if (o.generate < 0 && !o.prompts.empty())
    die("--prompt needs --generate N");
  return o;
}

/// --prompt/--generate: runs seqc_generate on a fresh session (after
/// --warmup runs when --bench N asks for N timed runs); prints the ids,
/// then the median prefill time (to the first picked id) and the median
/// time between picked ids (one decode step and its sampling each).
std::vector<int64_t> parsePrompt(const std::string &text) {
  std::vector<int64_t> prompt;
  for (size_t pos = 0; pos <= text.size();) {
    size_t comma = std::min(text.find(',', pos), text.size());
    std::string tok = text.substr(pos, comma - pos);
    char *end;
    errno = 0;
    long long v = std::strtoll(tok.c_str(), &end, 10);
    if (tok.empty() || *end || errno)
      die("--prompt: expected comma-separated token ids, got '%s'",
          text.c_str());
    prompt.push_back(v);
    pos = comma + 1;
  }
  return prompt;
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  size_t n = v.size();
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/// Several prompts: seqc_generate_batch on one session of that batch
/// (shorter prompts left-padded). Prints one line of ids per prompt, then
/// the median prefill time (to the first step's ids) and the median time
/// between steps (one decode step of all rows and its sampling).
int runBatchGeneration(const Artifact &a, const Options &opt,
                       const std::vector<std::vector<int64_t>> &rows) {
  const char *path = opt.model.c_str();
  decltype(&seqc_session_create) create = nullptr;
  decltype(&seqc_session_destroy) destroy = nullptr;
  decltype(&seqc_generate_batch) generate = nullptr;
  bind(a.lib, path, "seqc_session_create", create);
  bind(a.lib, path, "seqc_session_destroy", destroy);
  bind(a.lib, path, "seqc_generate_batch", generate);
  int32_t batch = (int32_t)rows.size();
  size_t nMax = 0;
  for (const auto &r : rows)
    nMax = std::max(nMax, r.size());
  std::vector<int64_t> ids(batch * nMax), lengths(batch);
  for (int32_t b = 0; b < batch; ++b) {
    lengths[b] = (int64_t)rows[b].size();
    std::copy(rows[b].begin(), rows[b].end(), ids.begin() + b * nMax);
  }
  seqc_sampling params = {(float)opt.temperature, (int32_t)opt.topK,
                          (float)opt.topP, (uint64_t)opt.seed, -1};
  long n = std::max(opt.generate, 1L);
  std::vector<int64_t> out(batch * n), counts(batch);
  using Clock = std::chrono::steady_clock;
  std::vector<Clock::time_point> stepped;
  auto onStep = [](int64_t, const int64_t *, void *user) {
    static_cast<std::vector<Clock::time_point> *>(user)->push_back(
        Clock::now());
    return 0;
  };
  auto ms = [](Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double, std::milli>(b - a).count();
  };
  std::vector<double> prefillMs, decodeMs;
  long runs = opt.bench > 0 ? opt.warmup + opt.bench : 1;
  for (long r = 0; r < runs; ++r) {
    // A fresh session per run, as a user would.
    seqc_session *s = nullptr;
    if (create(0, batch, &s) != SEQC_OK)
      die("%s: %s", path, a.lastError());
    stepped.clear();
    bool timed = !(r < runs - opt.bench && runs > 1);
    if (profiler && timed)
      profiler->begin();
    auto start = Clock::now();
    if (generate(s, ids.data(), lengths.data(), (int64_t)nMax, opt.generate,
                 &params, out.data(), counts.data(), onStep,
                 &stepped) != SEQC_OK)
      die("%s: %s", path, a.lastError());
    if (profiler && timed)
      profiler->end(
          std::chrono::duration<double, std::nano>(Clock::now() - start)
              .count());
    destroy(s);
    if (!timed)
      continue; // warmup
    prefillMs.push_back(ms(start, stepped.empty() ? Clock::now() : stepped[0]));
    for (size_t i = 1; i < stepped.size(); ++i)
      decodeMs.push_back(ms(stepped[i - 1], stepped[i]));
  }
  for (int32_t b = 0; b < batch; ++b) {
    for (int64_t i = 0; i < counts[b]; ++i)
      std::printf("%s%lld", i ? "," : "", (long long)out[b * n + i]);
    std::printf("\n");
  }
  if (decodeMs.empty())
    std::printf("prefill %.3f ms, decode - ms/step (no decode step), %d "
                "rows\n",
                median(prefillMs), (int)batch);
  else
    std::printf("prefill %.3f ms, decode %.3f ms/step, %d rows (%.1f "
                "tok/s)\n",
                median(prefillMs), median(decodeMs), (int)batch,
                1000.0 * batch / median(decodeMs));
  if (profiler)
    profiler->report(path);
  return 0;
}

int runGeneration(const Artifact &a, const Options &opt) {
  std::vector<std::vector<int64_t>> rows;
  for (const std::string &p : opt.prompts)
    rows.push_back(parsePrompt(p));
  if (rows.size() > 1)
    return runBatchGeneration(a, opt, rows);
  std::vector<int64_t> prompt = rows.at(0);
  const char *path = opt.model.c_str();
  decltype(&seqc_session_create) create = nullptr;
  decltype(&seqc_session_destroy) destroy = nullptr;
  decltype(&seqc_generate) generate = nullptr;
  bind(a.lib, path, "seqc_session_create", create);
  bind(a.lib, path, "seqc_session_destroy", destroy);
  bind(a.lib, path, "seqc_generate", generate);
  seqc_session *s = nullptr;
  if (create(0, 1, &s) != SEQC_OK)
    die("%s: %s", path, a.lastError());
  seqc_sampling params = {(float)opt.temperature, (int32_t)opt.topK,
                          (float)opt.topP, (uint64_t)opt.seed, -1};
  using Clock = std::chrono::steady_clock;
  std::vector<Clock::time_point> picked;
  auto onToken = [](int64_t, void *user) {
    static_cast<std::vector<Clock::time_point> *>(user)->push_back(
        Clock::now());
    return 0;
  };
  std::vector<int64_t> ids(std::max(opt.generate, 1L));
  std::vector<double> prefillMs, decodeMs;
  long runs = opt.bench > 0 ? opt.warmup + opt.bench : 1;
  for (long r = 0; r < runs; ++r) {
    // A fresh session per run: the same cache, emptied, as a user would.
    if (r > 0 && (destroy(s) != SEQC_OK || create(0, 1, &s) != SEQC_OK))
      die("%s: %s", path, a.lastError());
    picked.clear();
    int64_t count = 0;
    bool timed = !(r < runs - opt.bench && runs > 1);
    if (profiler && timed)
      profiler->begin();
    auto start = Clock::now();
    if (generate(s, prompt.data(), (int64_t)prompt.size(), opt.generate,
                 &params, ids.data(), &count, onToken, &picked) != SEQC_OK)
      die("%s: %s", path, a.lastError());
    if (profiler && timed)
      profiler->end(
          std::chrono::duration<double, std::nano>(Clock::now() - start)
              .count());
    if (!timed)
      continue; // warmup
    auto ms = [](Clock::time_point a, Clock::time_point b) {
      return std::chrono::duration<double, std::milli>(b - a).count();
    };
    prefillMs.push_back(ms(start, picked.empty() ? Clock::now() : picked[0]));
    for (size_t i = 1; i < picked.size(); ++i)
      decodeMs.push_back(ms(picked[i - 1], picked[i]));
    if (r == runs - 1) {
      for (int64_t i = 0; i < count; ++i)
        std::printf("%s%lld", i ? "," : "", (long long)ids[i]);
      std::printf("\n");
    }
  }
  destroy(s);
  if (decodeMs.empty())
    std::printf("prefill %.3f ms, decode - ms/token (no decode step)\n",
                median(prefillMs));
  else
    std::printf("prefill %.3f ms, decode %.3f ms/token (%.1f tok/s)\n",
                median(prefillMs), median(decodeMs), 1000.0 / median(decodeMs));
  if (profiler)
    profiler->report(path);
  return 0;
}

/// `seq-run --bisect model.onnx ...` runs the bisect driver, which is
/// Python (it runs onnxruntime): `$SEQC_PYTHON -m seqc bisect ...` (default
/// python3), with the seqc package found beside this executable (an
/// installed package: seqc/bin/seq-run) or in this source tree's python/.
[[noreturn]] void execBisect(int argc, char **argv) {
  std::vector<std::string> args;
  const char *env = std::getenv("SEQC_PYTHON");
  std::string python = env && *env ? env : "python3";
  args.push_back(python);
  args.insert(args.end(), {"-m", "seqc", "bisect"});
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (arg == "--bisect")
      continue;
    if (arg.rfind("--bisect=", 0) == 0)
      arg = arg.substr(9);
    args.push_back(arg);
  }
  std::vector<std::string> pythonPath;
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
  if (n > 0) {
    exe[n] = 0;
    std::string dir(exe);
    dir = dir.substr(0, dir.rfind('/')); // .../seqc/bin
    std::string pkg = dir.substr(0, dir.rfind('/'));
    if (fileExists(pkg + "/__init__.py"))
      pythonPath.push_back(pkg.substr(0, pkg.rfind('/')));
  }
#ifdef SEQC_PYTHON_DIR
  if (fileExists(std::string(SEQC_PYTHON_DIR) + "/seqc/__init__.py"))
    pythonPath.push_back(SEQC_PYTHON_DIR);
#endif
  if (const char *old = std::getenv("PYTHONPATH"); old && *old)
    pythonPath.push_back(old);
  std::string joined;
  for (const std::string &p : pythonPath)
    joined += (joined.empty() ? "" : ":") + p;
  if (!joined.empty())
    setenv("PYTHONPATH", joined.c_str(), 1);
  std::vector<char *> cargs;
  for (std::string &a : args)
    cargs.push_back(a.data());
  cargs.push_back(nullptr);
  execvp(python.c_str(), cargs.data());
  die("--bisect: cannot run %s (set SEQC_PYTHON): %s", python.c_str(),
      std::strerror(errno));
}

} // namespace

int main(int argc, char **argv) {
  for (int i = 1; i < argc; ++i)
    if (!std::strcmp(argv[i], "--bisect") ||
        !std::strncmp(argv[i], "--bisect=", 9))
      execBisect(argc, argv);
  Options opt = parseArgs(argc, argv);
  Artifact a = loadArtifact(opt.model);
  const seqc_model_info &info = *a.info;
  if (opt.threads > 0) {
    using SetThreads = int (*)(int32_t);
    SetThreads setThreads = nullptr;
    bind(a.lib, opt.model.c_str(), "seqc_set_num_threads", setThreads);
    if (setThreads((int32_t)opt.threads) != SEQC_OK)
      die("--threads %ld: rejected by the artifact", opt.threads);
  }
  Profiler prof;
  if (opt.profile >= 0) {
    const char *path = opt.model.c_str();
    if (!dlsym(a.lib, "seqc_profile_enable"))
      die("%s: the artifact's runtime cannot profile (built before "
          "seq-run --profile): recompile it with seqc --profile-hooks",
          path);
    bind(a.lib, path, "seqc_profile_enable", prof.enable);
    bind(a.lib, path, "seqc_profile_reset", prof.reset);
    bind(a.lib, path, "seqc_profile_rows", prof.rows);
    bind(a.lib, path, "seqc_profile_format", prof.format);
    prof.maxRows = opt.profile;
    profiler = &prof;
  }
  if (opt.generate >= 0)
    return runGeneration(a, opt);

  // Inputs: from DIR or generated.
  std::vector<Tensor> inputs(info.num_inputs);
  if (!opt.dataDir.empty()) {
    struct stat st;
    if (stat(opt.dataDir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode))
      die("%s: no such directory", opt.dataDir.c_str());
    for (int32_t i = 0; i < info.num_inputs; ++i) {
      std::string path = opt.dataDir + "/input_" + std::to_string(i) + ".pb";
      if (!fileExists(path))
        die("%s: missing input file: model '%s' has %d inputs", path.c_str(),
            info.model_name, info.num_inputs);
      inputs[i] = readTensor(path, a);
      checkInput(path, info.inputs[i], inputs[i]);
    }
    std::string extra =
        opt.dataDir + "/input_" + std::to_string(info.num_inputs) + ".pb";
    if (fileExists(extra))
      die("%s: unexpected input file: model '%s' has %d inputs", extra.c_str(),
          info.model_name, info.num_inputs);
  } else {
    std::mt19937 rng(0);
    for (int32_t i = 0; i < info.num_inputs; ++i)
      inputs[i] = generateInput(info.inputs[i], a, rng);
  }

  // Outputs: static ones allocated from the info; dynamically shaped ones
  // are allocated by the artifact (seqc_run_alloc) and copied out per run.
  std::vector<Tensor> outputs(info.num_outputs);
  std::vector<bool> dynamicOut(info.num_outputs, false);
  for (int32_t i = 0; i < info.num_outputs; ++i) {
    const seqc_tensor_info &ti = info.outputs[i];
    outputs[i].dtype = ti.dtype;
    outputs[i].dims.assign(ti.dims, ti.dims + ti.rank);
    dynamicOut[i] = std::any_of(outputs[i].dims.begin(),
                                outputs[i].dims.end(),
                                [](int64_t d) { return d < 0; });
    if (!dynamicOut[i])
      outputs[i].data.assign(outputs[i].numElements() * a.dtypeSize(ti.dtype),
                             0);
  }
  bool anyDynamic =
      std::find(dynamicOut.begin(), dynamicOut.end(), true) != dynamicOut.end();
  if (anyDynamic && (!a.runAlloc || !a.free))
    die("%s: the model has dynamically shaped outputs but the artifact has no "
        "seqc_run_alloc (built with an older runtime)",
        opt.model.c_str());
  std::vector<seqc_tensor> in, out;
  for (Tensor &t : inputs)
    in.push_back(asSeqcTensor(t));
  for (Tensor &t : outputs) {
    out.push_back(asSeqcTensor(t));
    out.back().dtype = 0; // let the runtime fill in and check dtype/shape
  }

  auto runOnce = [&]() {
    if (!anyDynamic) {
      if (a.run(in.data(), (int32_t)in.size(), out.data(),
                (int32_t)out.size()) != SEQC_OK)
        die("%s: %s", opt.model.c_str(), a.lastError());
      return;
    }
    for (int32_t i = 0; i < info.num_outputs; ++i)
      if (dynamicOut[i])
        out[i].data = nullptr;
    if (a.runAlloc(in.data(), (int32_t)in.size(), out.data(),
                   (int32_t)out.size()) != SEQC_OK)
      die("%s: %s", opt.model.c_str(), a.lastError());
    for (int32_t i = 0; i < info.num_outputs; ++i) {
      if (!dynamicOut[i])
        continue;
      Tensor &t = outputs[i];
      t.dims.assign(out[i].dims, out[i].dims + out[i].rank);
      const char *p = static_cast<const char *>(out[i].data);
      t.data.assign(p, p + t.numElements() * a.dtypeSize(t.dtype));
      a.free(out[i].data);
      out[i].data = nullptr;
    }
  };
  auto timedRun = [&]() {
    if (profiler)
      profiler->begin();
    auto start = std::chrono::steady_clock::now();
    runOnce();
    auto end = std::chrono::steady_clock::now();
    if (profiler)
      profiler->end(
          std::chrono::duration<double, std::nano>(end - start).count());
    return std::chrono::duration<double, std::milli>(end - start).count();
  };
  // Without --bench, --profile profiles this (checked) run.
  if (opt.bench > 0)
    runOnce();
  else
    timedRun();

  bool ok = true;
  if (!opt.dataDir.empty()) {
    int compared = 0;
    for (int32_t i = 0; i < info.num_outputs; ++i) {
      std::string path = opt.dataDir + "/output_" + std::to_string(i) + ".pb";
      if (!fileExists(path))
        continue;
      Tensor want = readTensor(path, a);
      ok &=
          compareOutput(info.outputs[i], outputs[i], want, opt.rtol, opt.atol);
      ++compared;
    }
    if (compared == 0)
      std::printf("no reference outputs in %s\n", opt.dataDir.c_str());
  }
  if (opt.print)
    for (int32_t i = 0; i < info.num_outputs; ++i)
      printSummary(info.outputs[i], outputs[i]);

  if (opt.bench > 0) {
    for (long i = 0; i < opt.warmup; ++i)
      runOnce();
    std::vector<double> ms;
    for (long i = 0; i < opt.bench; ++i)
      ms.push_back(timedRun());
    std::vector<double> sorted = ms;
    std::sort(sorted.begin(), sorted.end());
    size_t n = sorted.size();
    double median =
        n % 2 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    double mean = 0;
    for (double v : ms)
      mean += v;
    mean /= (double)n;
    std::printf(
        "median latency: %.4f ms (%zu runs); min %.4f ms, mean %.4f ms\n",
        median, n, sorted.front(), mean);
  }
  if (profiler)
    profiler->report(opt.model.c_str());
  return ok ? 0 : 1;
}
