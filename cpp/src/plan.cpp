// Plan: validation, filter construction and dispatch to a backend (PIMPL).
#include <fftw3.h>
#include <unistd.h>

#include <algorithm>
#include <sstream>
#include <utility>

#include "backend.hpp"
#include "engine_options.hpp"
#include "invariance.hpp"
#include "scatkit/scattering2d.hpp"
#include "schedule.hpp"

namespace scatkit {

namespace detail {
std::size_t physical_memory_bytes() {
  const long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
  if (pages <= 0 || size <= 0) return 0;
  return static_cast<std::size_t>(pages) * static_cast<std::size_t>(size);
}
}  // namespace detail

struct Plan::Impl {
  Config cfg;
  detail::Schedule sched;
  std::unique_ptr<detail::Backend> backend;
  // Invariance other than translation: the stage, the output's table, and one chunk of
  // translation output in the plan's precision (allocated here, never in execute).
  std::unique_ptr<detail::InvarianceStage> stage;
  std::vector<ChannelMeta> meta;
  std::vector<float> plain32;
  std::vector<double> plain64;

  template <class T>
  void execute(const T* in, T* out, std::size_t batch, std::uintptr_t stream, std::vector<T>& ws);
};

template <class T>
void Plan::Impl::execute(const T* in, T* out, std::size_t batch, std::uintptr_t stream,
                         std::vector<T>& ws) {
  if (!stage || stage->passthrough()) {
    backend->execute(in, out, batch, stream);
    return;
  }
  const std::size_t image = cfg.rows * cfg.cols;
  const std::size_t produced = stage->channels() * static_cast<std::size_t>(sched.out_rows) *
                               static_cast<std::size_t>(sched.out_cols);
  for (std::size_t b = 0; b < batch; b += stage->chunk()) {
    const std::size_t n = std::min(stage->chunk(), batch - b);
    backend->execute(in + b * image, ws.data(), n, stream);
    stage->apply(ws.data(), out + b * produced, n);
  }
}

namespace {
// Rough size of the double-precision filter bank and its construction scratch.
std::size_t filter_bank_bytes(const detail::Schedule& s, int threads) {
  const std::size_t pq = static_cast<std::size_t>(s.P * s.Q);
  const std::size_t levels = static_cast<std::size_t>(s.J) * static_cast<std::size_t>(s.L) * 2 + 2;
  return levels * pq * sizeof(double) + static_cast<std::size_t>(threads) * pq * 64;
}
}  // namespace

Plan::Plan(const Config& cfg) : impl_(std::make_unique<Impl>()) {
  validate(cfg);
  impl_->cfg = cfg;
  impl_->sched = detail::make_schedule(cfg);
  impl_->meta = impl_->sched.meta;
  if (cfg.invariance != Invariance::Translation && cfg.device == Device::CUDA) {
    // The CUDA plugin runs every variant's stage on the device itself.
    impl_->meta = detail::invariant_channel_table(cfg);
  } else if (cfg.invariance != Invariance::Translation) {
    // Built before the backend, so an unsupported variant fails before any FFT planning.
    impl_->stage = std::make_unique<detail::InvarianceStage>(cfg, impl_->sched);
    impl_->meta = impl_->stage->meta();
    if (cfg.precision == Precision::Float32)
      impl_->plain32.resize(impl_->stage->workspace_values());
    else
      impl_->plain64.resize(impl_->stage->workspace_values());
  }
  const std::size_t need = filter_bank_bytes(impl_->sched, 2);
  const std::size_t phys = detail::physical_memory_bytes();
  if (phys && need > phys) {
    std::ostringstream os;
    os << "a " << cfg.rows << "x" << cfg.cols << " transform with J=" << cfg.J << ", L=" << cfg.L
       << " needs about " << (need >> 20) << " MiB for its filters, more than this machine's "
       << (phys >> 20) << " MiB.";
    throw OutOfMemory(os.str());
  }
  if (cfg.device == Device::CUDA) {
    const FilterBank fb =
        make_filter_bank(static_cast<std::size_t>(impl_->sched.P),
                         static_cast<std::size_t>(impl_->sched.Q), cfg.J, cfg.L, cfg.threads);
    impl_->backend = detail::make_cuda_backend(cfg, impl_->sched, fb);
  } else {
    // The backend sees the switches resolved (Auto -> environment or default).
    Config run = cfg;
    run.engine = detail::resolve_engine_options(cfg.engine);
    impl_->backend = detail::make_cpu_backend(run, impl_->sched);  // builds its own filters
  }
}

Plan::~Plan() = default;

Plan::Plan(Plan&&) noexcept = default;
Plan& Plan::operator=(Plan&&) noexcept = default;

const Config& Plan::config() const { return impl_->cfg; }
std::size_t Plan::num_channels() const { return impl_->meta.size(); }
std::size_t Plan::out_rows() const { return static_cast<std::size_t>(impl_->sched.out_rows); }
std::size_t Plan::out_cols() const { return static_cast<std::size_t>(impl_->sched.out_cols); }
std::size_t Plan::padded_rows() const { return static_cast<std::size_t>(impl_->sched.P); }
std::size_t Plan::padded_cols() const { return static_cast<std::size_t>(impl_->sched.Q); }
std::size_t Plan::out_size() const { return num_channels() * out_rows() * out_cols(); }
const std::vector<ChannelMeta>& Plan::meta() const { return impl_->meta; }
std::size_t Plan::workspace_bytes() const {
  return impl_->backend->workspace_bytes() + impl_->plain32.size() * sizeof(float) +
         impl_->plain64.size() * sizeof(double);
}
int Plan::threads() const { return impl_->backend->threads(); }

namespace {
void check_precision(const Config& cfg, Precision given) {
  if (cfg.precision != given) {
    throw InvalidArgument(std::string("this plan was built for ") +
                          (cfg.precision == Precision::Float32 ? "float32" : "float64") +
                          " data but execute() was given " +
                          (given == Precision::Float32 ? "float32" : "float64") + " data.");
  }
}
void check_pointers(const void* in, const void* out, std::size_t batch) {
  if (batch > 0 && (in == nullptr || out == nullptr))
    throw InvalidArgument("execute() needs non-null input and output pointers when batch > 0.");
}
}  // namespace

void Plan::execute(const float* in, float* out, std::size_t batch) {
  execute_on_stream(in, out, batch, 0);
}
void Plan::execute(const double* in, double* out, std::size_t batch) {
  execute_on_stream(in, out, batch, 0);
}
void Plan::execute_on_stream(const float* in, float* out, std::size_t batch,
                             std::uintptr_t stream) {
  check_precision(impl_->cfg, Precision::Float32);
  check_pointers(in, out, batch);
  impl_->execute(in, out, batch, stream, impl_->plain32);
}
void Plan::execute_on_stream(const double* in, double* out, std::size_t batch,
                             std::uintptr_t stream) {
  check_precision(impl_->cfg, Precision::Float64);
  check_pointers(in, out, batch);
  impl_->execute(in, out, batch, stream, impl_->plain64);
}

void Plan::execute_fft_only(std::size_t batch) { impl_->backend->execute_fft_only(batch); }

std::string cpu_isa() { return detail::cpu_isa(); }

std::string build_info() {
  std::ostringstream os;
  os << "scatkit " << SCATKIT_VERSION_STRING << "; " << fftw_version << "; CUDA: ";
  const std::string why = cuda_unavailable_reason();
  os << (why.empty() ? "available" : why);
  return os.str();
}

}  // namespace scatkit
