// The FFTW engine: the transform of one image (padding, band-passes, modulus, low-passes) and
// its scheduling on the worker threads, one image per worker at a time or, with fewer images
// than workers, one image's first-order paths shared between them. Its pieces have rooms of
// their own: folds (cpu/fold_plan.hpp), per-worker workspace (cpu/workspace.hpp), filter
// preparation (cpu/prepared_filters.hpp), the FFT plan set (cpu/fft_plan_set.hpp).
#include <fftw3.h>

// Every standard and shared header the code below the AVX2 switch uses is included here, above
// it (see the comment there).
#include <algorithm>
#include <array>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "backend.hpp"
#include "cpu/thread_pool.hpp"
#include "engine_options.hpp"
#include "fft/fftw_plan.hpp"
#include "filter_bank.hpp"
#include "invariance.hpp"
#include "scatkit/detail/elementwise.hpp"
#include "scatkit/detail/invariance.hpp"
#include "scatkit/errors.hpp"
#include "schedule.hpp"
#include "support.hpp"

// The AVX2 variant of this file (SCATKIT_TARGET_AVX2, see cpu_dispatch.cpp) is compiled without
// -mavx2: only the code below this point targets AVX2. Every inline function of the headers
// above is compiled for the baseline in both variants, so whichever copy the linker keeps runs
// on any x86-64; the engine, its pieces (cpu/*.hpp) and the split FFTs have internal linkage. (With
// -mavx2 on the whole file, the linker could keep AVX2 copies of shared inline functions, such as
// the thread pool's, and the baseline engine would then fault on a processor without AVX2.)
#if defined(SCATKIT_TARGET_AVX2)
#if defined(__clang__)
#pragma clang attribute push(__attribute__((target("avx2"))), apply_to = function)
#else
#pragma GCC push_options
#pragma GCC target("avx2")
#endif
#define SCATKIT_SIMD_AVX 1
#endif

// The engine's pieces, each with internal linkage (compiled once per variant):
#include "cpu/branches.hpp"          // low-pass branch and spectrum expansion
#include "cpu/fft_plan_set.hpp"      // every FFT, planned once
#include "cpu/fold_plan.hpp"         // band-pass and low-pass folds
#include "cpu/modulus.hpp"           // |.| of the band-pass maps
#include "cpu/prepared_filters.hpp"  // the filters as the transform applies them
#include "cpu/roto_pass.hpp"         // second order of the roto-translation variants
#include "cpu/roto_stage.hpp"        // angular filters of the roto-translation variants
#include "cpu/spatial_lowpass.hpp"   // the low-pass in space
#include "cpu/workspace.hpp"         // per-worker buffers and their sizes
#include "fft/split_fft.hpp"         // split-prime FFTs

namespace scatkit {
namespace detail {
namespace {

template <class T>
using C = Complex<T>;

template <class T>
class CpuBackend final : public Backend {
  using F = Fftw<T>;

 public:
  CpuBackend(const Config& cfg, const Schedule& s) : s_(s) {
    const long P = s.P, Q = s.Q;
    if (cfg.threads > max_threads()) {
      throw InvalidArgument("threads=" + std::to_string(cfg.threads) + " is more than " +
                            std::to_string(max_threads()) +
                            ", the most this machine runs usefully (4 x its cores, at least 64, "
                            "at most 1024); 0 picks the CPUs this process may use.");
    }
    nt_ = cfg.threads > 0 ? cfg.threads : default_threads();

    // Check memory before allocating anything large: every buffer a worker may need, and the
    // filters stored densely.
    const bool split = cfg.engine.fft != CpuFft::Fftw;
    const size_t scratch = FftPlanSet<T>::scratch_size(s, split);
    // Without second-order pairs the raw layout of the roto-translation variants is the plain
    // output (S0 and the order-1 maps), so those plans need no angular stage.
    if ((cfg.invariance == Invariance::RotoTranslation ||
         cfg.invariance == Invariance::RotoTranslationSeparable) &&
        s.max_order >= 2 && s.J >= 2)
      roto_.emplace(cfg);
    out_channels_ = roto_ ? roto_->layout().channels : s.K;
    const size_t most = with_roto(workspace_sizes<T>(s, scratch, 0, true)).template bytes<T>();
    const size_t total = most * static_cast<size_t>(nt_) + PreparedFilters<T>::dense_bytes(s);
    const size_t phys = physical_memory_bytes();
    if (phys && total > phys) throw_out_of_memory(total, "the transform workspace");

    // cfg.engine comes resolved from Plan (no Auto left).
    const EngineOptions& opt = cfg.engine;
    filters_.emplace(s, cfg.threads, opt.fold != Fold::Streamed, opt.lowpass != Lowpass::Fourier,
                     split);
    filter_bytes_ = filters_->bytes();

    // The spatial low-pass's scratch only where some level uses it; with the spatial low-pass
    // at every second-order level, no second-order spectra (no V2h).
    const size_t lt =
        filters_->any_spatial() ? SpatialLowpass<T>::scratch_size(s.out_rows, Q, s.out_cols) : 0;
    const WorkspaceSizes sizes =
        with_roto(workspace_sizes<T>(s, scratch, lt, filters_->second_order_spectra()));
    per_thread_ = sizes.template bytes<T>();

    row_src_.resize(static_cast<size_t>(P));
    col_src_.resize(static_cast<size_t>(Q));
    for (long p = 0; p < P; ++p) row_src_[p] = reflect_index(p - s.pad_top, s.M);
    for (long q = 0; q < Q; ++q) col_src_[q] = reflect_index(q - s.pad_left, s.N);

    sizes_ = sizes;
    ws_.reserve(static_cast<size_t>(nt_));
    for (int t = 0; t < nt_; ++t) ws_.emplace_back(sizes);
    plans_.emplace(s, *filters_, nt_, ws_[0], fftw_planner_flags(cfg.engine.fftw_planner), split);
    if (roto_) roto_->plan(ws_[0].Ab.data(), fftw_planner_flags(cfg.engine.fftw_planner));
    for (auto& w : ws_) w.zero();
    for (auto& w : ws_) team_.push_back(&w);
    if (nt_ > 1) process_pool(nt_);  // start the workers now rather than in the first execute
  }

  ~CpuBackend() override {
    for (auto& slot : spare_) delete slot.exchange(nullptr);
  }

  // Calls on one plan run at the same time. The first caller takes the plan's own workspaces
  // (one per thread) and, when the process pool is free, its workers; a caller arriving while
  // they are taken runs on its own thread with a spare workspace (made on first need, then
  // reused), so concurrent callers neither wait for each other nor oversubscribe the cores.
  void execute(const void* in, void* out, size_t batch, std::uintptr_t) override {
    if (batch == 0) return;
    const T* x = static_cast<const T*>(in);
    T* y = static_cast<T*>(out);
    run(batch, [&](Workspace<T>* const* ws, ThreadPool* pool, int workers) {
      if (batch < static_cast<size_t>(workers)) {
        execute_split(x, y, batch, ws, pool, workers);
        return;
      }
      Job job{this, x, y, batch, ws, {0}};
      dispatch(&CpuBackend::run_job, &job, pool,
               static_cast<int>(std::min<size_t>(batch, static_cast<size_t>(workers))));
    });
  }

  size_t workspace_bytes() const override {
    return per_thread_ * static_cast<size_t>(nt_) + filter_bytes_;
  }
  int threads() const override { return nt_; }

  void execute_fft_only(size_t batch) override {
    if (batch == 0) return;
    run(batch, [&](Workspace<T>* const* ws, ThreadPool* pool, int workers) {
      Job job{this, nullptr, nullptr, batch, ws, {0}};
      dispatch(&CpuBackend::run_fft_job, &job, pool,
               static_cast<int>(std::min<size_t>(batch, static_cast<size_t>(workers))));
    });
  }

 private:
  struct Job {
    CpuBackend* self;
    const T* in;
    T* out;
    size_t batch;
    Workspace<T>* const* ws;
    std::atomic<size_t> next;
  };

  // Calls body(workspaces, pool, workers): the plan's team with the process pool when both are
  // free (pool null and workers 1 when the pool is busy), else one spare workspace.
  template <class Body>
  void run(size_t batch, Body&& body) {
    std::unique_lock<std::mutex> team(team_mutex_, std::try_to_lock);
    if (team.owns_lock()) {
      if (nt_ > 1 && batch > 0) {
        const std::shared_ptr<ThreadPool> pool = process_pool(nt_);
        std::unique_lock<std::mutex> lease = pool->try_acquire();
        if (lease.owns_lock()) {
          body(team_.data(), pool.get(), nt_);
          return;
        }
      }
      body(team_.data(), nullptr, 1);
      return;
    }
    Workspace<T>* w = take_spare();
    try {
      body(&w, nullptr, 1);
    } catch (...) {
      give_spare(w);
      throw;
    }
    give_spare(w);
  }

  static void dispatch(ThreadPool::Fn fn, void* ctx, ThreadPool* pool, int active) {
    if (pool && active > 1)
      pool->run(fn, ctx, active);
    else
      fn(ctx, 0);  // every job hands out its work through an atomic counter
  }

  // Spare workspaces live in a lock-free list of slots, so a fork() in the middle of a call on
  // another thread cannot leave a lock held in the child.
  Workspace<T>* take_spare() {
    for (auto& slot : spare_)
      if (Workspace<T>* w = slot.exchange(nullptr)) return w;
    auto* w = new Workspace<T>(sizes_);
    w->zero();
    return w;
  }
  void give_spare(Workspace<T>* w) {
    for (auto& slot : spare_) {
      Workspace<T>* empty = nullptr;
      if (slot.compare_exchange_strong(empty, w)) return;
    }
    delete w;
  }

  static void run_job(void* ctx, int worker) {
    Job& job = *static_cast<Job*>(ctx);
    CpuBackend& self = *job.self;
    Workspace<T>& w = *job.ws[worker];
    const size_t in_stride = static_cast<size_t>(self.s_.M * self.s_.N);
    const size_t out_stride =
        self.out_channels_ * static_cast<size_t>(self.s_.out_rows * self.s_.out_cols);
    for (size_t i = job.next++; i < job.batch; i = job.next++)
      self.transform(job.in + i * in_stride, job.out + i * out_stride, w);
  }

  // The FFT calls of transform(), in the same order and on the same buffers, nothing else.
  static void run_fft_job(void* ctx, int worker) {
    Job& job = *static_cast<Job*>(ctx);
    CpuBackend& self = *job.self;
    Workspace<T>& w = *job.ws[worker];
    const int J = self.s_.J, L = self.s_.L;
    for (size_t i = job.next++; i < job.batch; i = job.next++) {
      self.plans_->r2c0.r2c(w.R.data(), w.H.data(), w.S.data());
      self.plans_->c2r1.c2r(w.Ch.data(), w.Cr.data(), w.S.data());
      for (int j1 = 0; j1 < J; ++j1) {
        const bool spectra = self.filters_->first_order_spectra(j1);
        self.plans_->band_ffts(self.s_, j1, w, spectra ? w.V1h.data() : nullptr);
        if (spectra) self.plans_->c2rL.c2r(w.Ch.data(), w.Cr.data(), w.S.data());
        if (self.s_.max_order < 2) continue;
        if (self.roto_) {
          self.roto_ffts(j1, w);
          continue;
        }
        for (int t1 = 0; t1 < L; ++t1)
          for (int j2 = j1 + 1; j2 < J; ++j2) {
            const bool spatial = self.filters_->spatial_at(j2);
            self.plans_->band_ffts(self.s_, j2, w, spatial ? nullptr : w.V2h.data());
            if (!spatial) self.plans_->c2rL.c2r(w.Ch.data(), w.Cr.data(), w.S.data());
          }
      }
    }
  }

  // Low-pass branch for nb half spectra at level r (stride hs), written to channels c0..c0+nb-1.
  void lowpass(const C<T>* half, size_t hs, int r, int nb, T* out, size_t c0,
               Workspace<T>& w) const {
    lowpass_branch(parts(), half, hs, r, nb, out, c0, w);
  }
  EngineParts<T> parts() const { return EngineParts<T>{s_, *filters_, *plans_}; }

  // Band-pass: L grids Y[t] = fold(spec * psi[j][t] at level r, 2^(j-r)), inverse FFT, modulus,
  // r2c into half (L spectra at level j).
  // y = fold(spec * psi[j*L+t] at level r, 2^(j-r)) on the level-j grid.
  void product_fold(const C<T>* spec, int r, int j, int t, C<T>* y) const {
    filters_->psi[static_cast<size_t>(j * s_.L + t)][static_cast<size_t>(r)].apply(spec, y);
  }

  // Band-pass at level j of spec (level r): half[t] = r2c(|ifft(product_fold(t))|). All L angles
  // as one batched FFT when the grids are small (amortises FFTW's per-call cost); one angle at a
  // time when they are large, so the working set stays in cache; only angle one_angle if >= 0.
  //
  // With half == nullptr the spectra are not formed: each modulus map goes to the spatial
  // low-pass, into output channel c0 + (t - first angle) of out.
  void bandpass(const C<T>* spec, int r, int j, C<T>* half, Workspace<T>& w, int one_angle = -1,
                T* out = nullptr, size_t c0 = 0) const {
    const int L = s_.L;
    const size_t lj = static_cast<size_t>(j);
    const long Pj = s_.rows_at(j), Qj = s_.cols_at(j);
    const size_t gs = static_cast<size_t>(Pj * Qj);
    const size_t plane = static_cast<size_t>(s_.out_rows * s_.out_cols);
    const bool batched = one_angle < 0 && batched_level<T>(s_, j);
    if (batched) {
      for (int t = 0; t < L; ++t)
        product_fold(spec, r, j, t, w.Y.data() + static_cast<size_t>(t) * gs);
      plans_->inv[lj].c2c(w.Y.data(), w.S.data());
      modulus_map(w.Y.data(), w.U.data(), static_cast<long>(static_cast<size_t>(L) * gs));
      if (half) {
        plans_->r2c[lj].r2c(w.U.data(), half, w.S.data());
        return;
      }
      for (int t = 0; t < L; ++t)
        filters_->spatial_lowpass[lj].apply(w.U.data() + static_cast<size_t>(t) * gs, w.Lt.data(),
                                            out + (c0 + static_cast<size_t>(t)) * plane);
      return;
    }
    const size_t hs = static_cast<size_t>(Pj * (Qj / 2 + 1));
    const int t0 = one_angle >= 0 ? one_angle : 0, t1 = one_angle >= 0 ? one_angle + 1 : L;
    for (int t = t0; t < t1; ++t) {
      product_fold(spec, r, j, t, w.Y.data());
      plans_->inv1[lj].c2c(w.Y.data(), w.S.data());
      modulus_map(w.Y.data(), w.U.data(), static_cast<long>(gs));
      if (!half) {
        filters_->spatial_lowpass[lj].apply(w.U.data(), w.Lt.data(),
                                            out + (c0 + static_cast<size_t>(t - t0)) * plane);
        continue;
      }
      C<T>* dst = half + static_cast<size_t>(t - t0) * hs;
      // FFTW needs the alignment it planned with; misaligned slots go through w.H (free here).
      if (F::alignment_of(&dst[0].re) == F::alignment_of(&w.V1h.data()[0].re)) {
        plans_->r2c1[lj].r2c(w.U.data(), dst, w.S.data());
      } else {
        plans_->r2c1[lj].r2c(w.U.data(), w.H.data(), w.S.data());
        std::memcpy(static_cast<void*>(dst), w.H.data(), hs * sizeof(C<T>));
      }
    }
  }

  // Padding, forward FFT (full spectrum in w.X) and the order-0 channel.
  void order0(const T* img, T* out, Workspace<T>& w) const {
    const long P = s_.P, Q = s_.Q, N = s_.N;
    T* R = w.R.data();
    for (long p = 0; p < P; ++p) {
      const T* src = img + row_src_[p] * N;
      T* dst = R + p * Q;
      for (long q = 0; q < Q; ++q) dst[q] = src[col_src_[q]];
    }
    plans_->r2c0.r2c(R, w.H.data(), w.S.data());
    expand_half(w.H.data(), P, Q, w.X.data());
    lowpass(w.H.data(), 0, 0, 1, out, 0, w);
  }

  // The whole transform of one image on one worker.
  void transform(const T* img, T* out, Workspace<T>& w) const {
    order0(img, out, w);
    for (int j1 = 0; j1 < s_.J; ++j1) scale(w.X.data(), j1, out, w);
  }

  // First-order paths of scale j1 from the image's spectrum X, and the second order after them.
  void scale(const C<T>* X, int j1, T* out, Workspace<T>& w) const {
    const int J = s_.J, L = s_.L;
    const long P1 = s_.rows_at(j1), Q1 = s_.cols_at(j1);
    const size_t hs1 = static_cast<size_t>(P1 * (Q1 / 2 + 1));
    C<T>* half = w.V1h.data();
    if (!filters_->first_order_spectra(j1)) {
      bandpass(X, 0, j1, nullptr, w, -1, out, static_cast<size_t>(1 + j1 * L));
      return;
    }
    bandpass(X, 0, j1, half, w);
    lowpass(half, hs1, j1, L, out, static_cast<size_t>(1 + j1 * L), w);
    if (s_.max_order < 2 || j1 + 1 >= J) return;
    if (roto_) {
      roto_second_order(j1, half, out, w);
      return;
    }
    for (int t1 = 0; t1 < L; ++t1)
      second_order(j1, t1, half + static_cast<size_t>(t1) * hs1, out, w);
  }

  // Every second-order path starting at first-order path (j1, t1), whose half spectrum is v1h.
  void second_order(int j1, int t1, const C<T>* v1h, T* out, Workspace<T>& w) const {
    const int J = s_.J, L = s_.L;
    expand_half(v1h, s_.rows_at(j1), s_.cols_at(j1), w.V.data());
    for (int j2 = j1 + 1; j2 < J; ++j2) {
      const long P2 = s_.rows_at(j2), Q2 = s_.cols_at(j2);
      const size_t hs2 = static_cast<size_t>(P2 * (Q2 / 2 + 1));
      const size_t c0 = s_.order2_base[static_cast<size_t>(j1 * L + t1)][static_cast<size_t>(j2)];
      if (filters_->spatial_at(j2)) {
        bandpass(w.V.data(), j1, j2, nullptr, w, -1, out, c0);
        continue;
      }
      bandpass(w.V.data(), j1, j2, w.V2h.data(), w);
      lowpass(w.V2h.data(), hs2, j2, L, out, c0, w);
    }
  }

  // Roto-translation variants: the buffers of the angular stage added to the workspace sizes.
  WorkspaceSizes with_roto(WorkspaceSizes z) const {
    if (roto_) roto_workspace(s_, *roto_, z);
    return z;
  }
  void roto_second_order(int j1, const C<T>* half, T* out, Workspace<T>& w) const {
    detail::roto_second_order(parts(), *roto_, j1, half, out, w);
  }
  void roto_ffts(int j1, Workspace<T>& w) const { detail::roto_ffts(parts(), *roto_, j1, w); }

  // Fewer images than threads: worker 0 pads and transforms the image, then all workers share
  // the first-order paths (j1, t1), each followed by its own second-order subtree.
  struct SplitJob {
    const CpuBackend* self;
    const C<T>* X;
    T* out;
    Workspace<T>* const* ws;
    std::atomic<int> next;
  };

  static void run_split_job(void* ctx, int worker) {
    SplitJob& job = *static_cast<SplitJob*>(ctx);
    const CpuBackend& self = *job.self;
    Workspace<T>& w = *job.ws[worker];
    const int J = self.s_.J, L = self.s_.L, tasks = J * L;
    for (int i = job.next++; i < tasks; i = job.next++) {
      const int j1 = i / L, t1 = i % L;
      if (!self.filters_->first_order_spectra(j1)) {
        self.bandpass(job.X, 0, j1, nullptr, w, t1, job.out, static_cast<size_t>(1 + i));
        continue;
      }
      self.bandpass(job.X, 0, j1, w.V1h.data(), w, t1);
      self.lowpass(w.V1h.data(), 0, j1, 1, job.out, static_cast<size_t>(1 + i), w);
      if (self.s_.max_order >= 2 && j1 + 1 < J) self.second_order(j1, t1, w.V1h.data(), job.out, w);
    }
  }

  // The roto-translation variants share an image by whole scales j1 instead (all angles of a
  // scale meet on one worker): fewer, unequal tasks, still several workers busy.
  static void run_scale_job(void* ctx, int worker) {
    SplitJob& job = *static_cast<SplitJob*>(ctx);
    for (int j1 = job.next++; j1 < job.self->s_.J; j1 = job.next++)
      job.self->scale(job.X, j1, job.out, *job.ws[worker]);
  }

  void execute_split(const T* in, T* out, size_t batch, Workspace<T>* const* ws, ThreadPool* pool,
                     int workers) {
    const size_t in_stride = static_cast<size_t>(s_.M * s_.N);
    const size_t out_stride = out_channels_ * static_cast<size_t>(s_.out_rows * s_.out_cols);
    for (size_t i = 0; i < batch; ++i) {
      order0(in + i * in_stride, out + i * out_stride, *ws[0]);
      SplitJob job{this, ws[0]->X.data(), out + i * out_stride, ws, {0}};
      if (roto_)
        dispatch(&CpuBackend::run_scale_job, &job, pool, std::min(workers, s_.J));
      else
        dispatch(&CpuBackend::run_split_job, &job, pool, workers);
    }
  }

  Schedule s_;
  std::optional<RotoStage<T>> roto_;  // roto-translation variants only
  size_t out_channels_ = 0;           // channels the backend writes per image
  int nt_ = 1;
  size_t per_thread_ = 0, filter_bytes_ = 0;
  std::optional<PreparedFilters<T>> filters_;
  std::vector<long> row_src_, col_src_;
  WorkspaceSizes sizes_;
  std::vector<Workspace<T>> ws_;     // the team: one per thread, made with the plan
  std::vector<Workspace<T>*> team_;  // pointers to ws_, as the jobs take them
  std::mutex team_mutex_;            // held by the call using the team
  std::array<std::atomic<Workspace<T>*>, 64> spare_{};
  std::optional<FftPlanSet<T>> plans_;
};

}  // namespace

// This file is compiled once per instruction set (SCATKIT_CPU_ISA names the variant);
// cpu_dispatch.cpp picks the best one the running CPU supports.
#ifndef SCATKIT_CPU_ISA
#define SCATKIT_CPU_ISA base
#endif
#define SCATKIT_CAT2(a, b) a##b
#define SCATKIT_CAT(a, b) SCATKIT_CAT2(a, b)

std::unique_ptr<Backend> SCATKIT_CAT(make_cpu_backend_, SCATKIT_CPU_ISA)(const Config& cfg,
                                                                         const Schedule& s);
std::unique_ptr<Backend> SCATKIT_CAT(make_cpu_backend_, SCATKIT_CPU_ISA)(const Config& cfg,
                                                                         const Schedule& s) {
#if !defined(SCATKIT_FLOAT_ONLY)
  if (cfg.precision == Precision::Float64) return std::make_unique<CpuBackend<double>>(cfg, s);
#endif
  return std::make_unique<CpuBackend<float>>(cfg, s);
}

}  // namespace detail
}  // namespace scatkit

#if defined(SCATKIT_TARGET_AVX2)
#if defined(__clang__)
#pragma clang attribute pop
#else
#pragma GCC pop_options
#endif
#endif
