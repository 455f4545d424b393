// libFuzzer target on the C API: bytes become a configuration (0, negative, huge and
// inconsistent values among them), a batch and image data (NaN and Inf among them); the target
// validates, creates, executes and destroys. Every failure must come back as a status with a
// message; an abort, a sanitizer report, a hang (-timeout) or memory past -rss_limit_mb is a
// finding. Build and run: tests/fuzz/run_fuzz.sh (needs clang with -fsanitize=fuzzer).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <vector>

#include "scatkit/scatkit.h"

namespace {

// Reads the fuzzer's bytes front to back; past the end every value is 0.
class Bytes {
 public:
  Bytes(const std::uint8_t* d, size_t n) : d_(d), n_(n) {}
  std::uint64_t u(size_t width) {
    std::uint64_t v = 0;
    for (size_t i = 0; i < width; ++i) v = (v << 8) | (pos_ < n_ ? d_[pos_++] : 0);
    return v;
  }
  size_t left() const { return n_ - pos_; }
  const std::uint8_t* rest() const { return d_ + pos_; }

 private:
  const std::uint8_t* d_;
  size_t n_, pos_ = 0;
};

// A size field: mostly small, sometimes a hostile value.
size_t size_field(Bytes& b) {
  const std::uint64_t sel = b.u(1);
  switch (sel % 16) {
    case 0:
      return 0;
    case 1:
      return std::numeric_limits<size_t>::max();
    case 2:
      return std::numeric_limits<size_t>::max() / 2 + 1;
    case 3:
      return static_cast<size_t>(1) << (b.u(1) % 64);
    case 4:
      return static_cast<size_t>(b.u(4));
    default:
      return 1 + static_cast<size_t>(b.u(1) % 48);
  }
}

// An int field: mostly in [lo, hi], sometimes negative or huge.
int int_field(Bytes& b, int lo, int hi) {
  const std::uint64_t sel = b.u(1);
  switch (sel % 12) {
    case 0:
      return std::numeric_limits<int>::min();
    case 1:
      return std::numeric_limits<int>::max();
    case 2:
      return -static_cast<int>(b.u(1));
    case 3:
      return static_cast<int>(static_cast<std::uint32_t>(b.u(4)));
    default:
      return lo + static_cast<int>(b.u(1) % static_cast<std::uint64_t>(hi - lo + 1));
  }
}

void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz_c_api: %s\n", what);
    std::abort();
  }
}

// A failing call must leave a message behind.
void check_status(scatkit_status st) {
  if (st == SCATKIT_OK) return;
  require(st >= SCATKIT_ERR_INVALID_ARGUMENT && st <= SCATKIT_ERR_INTERNAL, "unknown status");
  require(st != SCATKIT_ERR_INTERNAL, scatkit_last_error());
  const char* msg = scatkit_last_error();
  require(msg && std::strlen(msg) > 10, "a failure without a message");
}

// Plans at most this many padded pixels are built and executed; larger valid ones are only
// validated (scatkit_config_geometry), which keeps each input fast while the checks on huge
// sizes still run.
constexpr size_t kBuildPixels = 256 * 256;

template <class T>
void execute(scatkit_plan* plan, const scatkit_config& cfg, size_t batch, Bytes& b) {
  size_t out_size = 0;
  check_status(scatkit_plan_out_size(plan, &out_size));
  const size_t in_size = cfg.rows * cfg.cols;
  std::vector<T> in(batch * in_size), out(batch * out_size + 1);
  for (size_t i = 0; i < in.size(); ++i) {
    const std::uint64_t sel = b.u(1);
    in[i] = sel == 1   ? std::numeric_limits<T>::quiet_NaN()
            : sel == 2 ? std::numeric_limits<T>::infinity()
            : sel == 3 ? -std::numeric_limits<T>::infinity()
            : sel == 4 ? std::numeric_limits<T>::max()
                       : static_cast<T>(static_cast<int>(sel) - 128) / T(16);
  }
  const T guard = static_cast<T>(12345);
  out.back() = guard;
  scatkit_status st;
  if (sizeof(T) == 4)
    st = scatkit_execute_f32(plan, reinterpret_cast<const float*>(in.data()),
                             reinterpret_cast<float*>(out.data()), batch);
  else
    st = scatkit_execute_f64(plan, reinterpret_cast<const double*>(in.data()),
                             reinterpret_cast<double*>(out.data()), batch);
  check_status(st);
  require(out.back() == guard, "execute wrote past out_size * batch");
  // The other precision's entry point must refuse this plan with a status, not run.
  if (sizeof(T) == 4)
    require(scatkit_execute_f64(plan, nullptr, nullptr, batch) != SCATKIT_OK, "f64 on f32 plan");
  else
    require(scatkit_execute_f32(plan, nullptr, nullptr, batch) != SCATKIT_OK, "f32 on f64 plan");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, size_t size) {
  Bytes b(data, size);
  scatkit_config cfg;
  check_status(scatkit_config_init(&cfg));
  cfg.rows = size_field(b);
  cfg.cols = size_field(b);
  cfg.J = int_field(b, 1, 4);
  cfg.L = int_field(b, 1, 8);
  cfg.max_order = int_field(b, 0, 3);
  cfg.precision = int_field(b, 0, 2);
  cfg.threads = int_field(b, 0, 4);
  cfg.device = int_field(b, 0, 1);
  cfg.device_id = int_field(b, 0, 1);
  cfg.max_batch = size_field(b);
  // An invariance variant one time in three (out-of-range codes and K among them).
  const bool invariant = b.u(1) % 3 == 0;
  const int invariance = invariant ? int_field(b, 0, 3) : 0;
  const int scales = invariant ? int_field(b, 0, 4) : 0;
  const auto create = [&](scatkit_plan** plan) {
    return invariant ? scatkit_plan_create_invariant(&cfg, invariance, scales, plan)
                     : scatkit_plan_create(&cfg, plan);
  };
  const size_t batch = static_cast<size_t>(b.u(1) % 4);

  scatkit_geometry geo;
  const scatkit_status valid = scatkit_config_geometry(&cfg, &geo);
  check_status(valid);
  if (valid != SCATKIT_OK) {
    scatkit_plan* plan = nullptr;
    const scatkit_status st = create(&plan);
    check_status(st);
    require(invariant ? st != SCATKIT_OK : st == valid, "plan_create and config_geometry disagree");
    require(plan == nullptr, "a failed create returned a plan");
    return 0;
  }
  if (geo.padded_rows * geo.padded_cols > kBuildPixels) return 0;
  scatkit_plan* plan = nullptr;
  const scatkit_status st = create(&plan);
  check_status(st);
  if (st != SCATKIT_OK) {
    require(plan == nullptr, "a failed create returned a plan");
    return 0;
  }
  size_t channels = 0, rows = 0, cols = 0;
  check_status(scatkit_plan_shape(plan, &channels, &rows, &cols));
  require(
      (invariant || channels == geo.num_channels) && rows == geo.out_rows && cols == geo.out_cols,
      "plan shape differs from the geometry");
  if (cfg.precision == SCATKIT_FLOAT64)
    execute<double>(plan, cfg, batch, b);
  else
    execute<float>(plan, cfg, batch, b);
  scatkit_plan_destroy(plan);
  return 0;
}
