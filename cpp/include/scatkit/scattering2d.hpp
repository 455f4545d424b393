// The 2D scattering transform: a Config describes it, a Plan computes it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "scatkit/errors.hpp"
#include "scatkit/version.hpp"

namespace scatkit {

/// Floating-point type of a plan's inputs, outputs and workspace.
enum class Precision { Float32, Float64 };

/// Where a plan runs and where the pointers given to execute() live.
enum class Device { CPU, CUDA };

/// How the CPU engine low-passes the maps whose spectrum serves nothing else (every
/// second-order map, and first-order maps with no second order after them).
enum class Lowpass {
  Auto,     ///< SCATKIT_LOWPASS from the environment ("fourier"), else Spatial
  Spatial,  ///< in space wherever a fixed cost model says it is cheaper than the FFTs
  Fourier,  ///< every low-pass in Fourier, as the SPEC writes it (the same results to rounding)
};

/// Order of the CPU engine's band-pass folds; the same bits either way.
enum class Fold {
  Auto,      ///< SCATKIT_FOLD from the environment ("streamed"), else Gathered
  Gathered,  ///< small sources destination row by destination row, up to four aliases a pass
  Streamed,  ///< every fold in source order, one alias a pass
};

/// Which FFTs the CPU engine (and the filter bank) runs.
enum class CpuFft {
  Auto,   ///< SCATKIT_FFT from the environment ("fftw"), else Split
  Split,  ///< split-prime FFTs on sides with a prime factor from 17 to 61, FFTW elsewhere
  Fftw,   ///< FFTW for every transform
};

/// FFTW's planning effort at plan construction (FFTW_ESTIMATE ... FFTW_EXHAUSTIVE).
enum class FftwPlanner {
  Auto,  ///< SCATKIT_FFTW_PLANNER from the environment, else Measure
  Estimate,
  Measure,
  Patient,
  Exhaustive,
};

/// Instruction set variant of the CPU engine.
enum class CpuIsa {
  Auto,      ///< SCATKIT_CPU_ISA from the environment ("baseline"), else Best
  Best,      ///< the fastest variant this processor runs (AVX2 where built and supported)
  Baseline,  ///< the portable variant
};

/// What the output is invariant to (docs/transform.md section 7).
enum class Invariance {
  Translation,               ///< the translation scattering (Kymatio's transform)
  Rotation,                  ///< its average over the rotation orbit (relative angles)
  RotoTranslation,           ///< joint rigid-motion scattering (Sifre and Mallat)
  RotoTranslationSeparable,  ///< separable roto-translation scattering (Oyallon and Mallat)
};

/// Engine switches: how a transform is computed, never what it computes. Every field left at
/// Auto takes its environment variable (for benchmarks), else the default.
struct EngineOptions {
  Lowpass lowpass = Lowpass::Auto;               ///< spatial or Fourier low-pass
  Fold fold = Fold::Auto;                        ///< order of the band-pass folds
  CpuFft fft = CpuFft::Auto;                     ///< split-prime FFTs or FFTW only
  FftwPlanner fftw_planner = FftwPlanner::Auto;  ///< FFTW planning effort
  CpuIsa cpu_isa = CpuIsa::Auto;                 ///< CPU engine variant
};

/// Everything that defines a scattering transform; validated by Plan's constructor.
struct Config {
  std::size_t rows = 0;                      ///< image height M (>= 2)
  std::size_t cols = 0;                      ///< image width N (>= 2)
  int J = 1;                                 ///< number of scales, 1 <= J and 2^J <= min(M, N)
  int L = 8;                                 ///< number of angles, >= 1
  int max_order = 2;                         ///< 1 or 2
  Precision precision = Precision::Float32;  ///< float or double
  Device device = Device::CPU;               ///< CPU (FFTW) or CUDA (cuFFT)
  std::size_t max_batch = 0;  ///< CUDA: images per launch (0 = automatic); ignored on CPU
  int threads = 0;            ///< CPU threads; 0 = all hardware threads
  int device_id = 0;          ///< CUDA device ordinal
  EngineOptions engine;       ///< engine switches (CPU plans); the defaults suit every use
  Invariance invariance = Invariance::Translation;  ///< what the output is invariant to
  int angular_scales = 0;  ///< angular wavelets K of the roto-translation variants; 0 = default
};

/// What one output channel holds: -1 marks a field that does not apply.
struct ChannelMeta {
  int order;       ///< 0, 1 or 2
  int j1;          ///< scale of the first wavelet
  int theta1;      ///< angle index of the first wavelet
  int j2;          ///< scale of the second wavelet
  int theta2;      ///< angle index of the second wavelet
  int delta = -1;  ///< relative angle (t2 - t1) mod L of the rotation-invariant variants
  int k = -1;      ///< angular filter of the roto-translation variants (K = the low-pass)
};

/// Padded grid size along one axis: ((n + 2^J) / 2^J + 1) * 2^J.
std::size_t padded_size(std::size_t n, int J);

/// Number of output channels K for (J, L, max_order) of the translation scattering.
std::size_t num_channels(int J, int L, int max_order);

/// Number of output channels of cfg, with its invariance (docs/transform.md section 7).
std::size_t num_channels(const Config& cfg);

/// The invariance's name as the front ends spell it: "translation", "rotation",
/// "roto-translation" or "roto-translation-separable".
const char* invariance_name(Invariance inv);

/// The invariance named `name` (invariance_name()'s spelling); throws InvalidArgument otherwise.
Invariance parse_invariance(const std::string& name);

/// Limits the engine puts on a Config, beyond the SPEC's 2^J <= min(M, N).
struct Limits {
  int max_J = 0;                      ///< largest J (the smallest is 1)
  int max_L = 0;                      ///< largest L (the smallest is 1)
  std::size_t min_side = 0;           ///< smallest image side
  std::size_t max_padded_pixels = 0;  ///< the padded grid must hold at most this many pixels
};

/// The engine's limits; validate() enforces them.
Limits limits();

/// Throws InvalidArgument with a readable sentence if cfg is not a valid transform.
void validate(const Config& cfg);

/// Sizes of a transform: the one place every front end takes them from.
struct Geometry {
  std::size_t padded_rows = 0;   ///< Mp = ((M + 2^J) / 2^J + 1) * 2^J
  std::size_t padded_cols = 0;   ///< Np, by the same rule
  std::size_t pad_top = 0;       ///< reflect-padded rows above the image: (Mp - M) / 2
  std::size_t pad_left = 0;      ///< reflect-padded columns left of the image: (Np - N) / 2
  std::size_t out_rows = 0;      ///< output height M' = Mp / 2^J - 2
  std::size_t out_cols = 0;      ///< output width N' = Np / 2^J - 2
  std::size_t num_channels = 0;  ///< K, as num_channels(cfg), with the invariance
};

/// Validates cfg like Plan's constructor (throws InvalidArgument) and returns its sizes.
Geometry geometry(const Config& cfg);

/// Validates cfg and returns the descriptions of its K channels, in output order.
std::vector<ChannelMeta> channel_table(const Config& cfg);

/// A transform built once (filters, FFT plans, schedule, workspace) and executed many times.
class Plan {
 public:
  /// Validates cfg and builds everything execute() needs; throws InvalidArgument or OutOfMemory.
  explicit Plan(const Config& cfg);
  /// Releases FFT plans, workspace and worker threads.
  ~Plan();
  /// Plans move but never copy: they own threads and FFT plans.
  Plan(Plan&&) noexcept;
  /// Plans move but never copy: they own threads and FFT plans.
  Plan& operator=(Plan&&) noexcept;
  Plan(const Plan&) = delete;
  Plan& operator=(const Plan&) = delete;

  /// The validated configuration.
  const Config& config() const;
  /// Number of output channels K.
  std::size_t num_channels() const;
  /// Output height: padded_rows / 2^J - 2.
  std::size_t out_rows() const;
  /// Output width: padded_cols / 2^J - 2.
  std::size_t out_cols() const;
  /// Padded height used internally.
  std::size_t padded_rows() const;
  /// Padded width used internally.
  std::size_t padded_cols() const;
  /// Number of values one image produces: K * out_rows * out_cols.
  std::size_t out_size() const;
  /// Channel descriptions, in output order.
  const std::vector<ChannelMeta>& meta() const;
  /// Bytes of workspace held by the plan (all threads or the whole device batch).
  std::size_t workspace_bytes() const;
  /// Number of worker threads (CPU) or 0 (CUDA).
  int threads() const;

  /// Computes batch transforms: in is batch x rows x cols, out is batch x K x out_rows x out_cols,
  /// both C-contiguous. Host pointers for a CPU plan, device pointers for a CUDA plan. Allocates
  /// nothing and plans nothing. The precision must match the plan's.
  void execute(const float* in, float* out, std::size_t batch);
  /// Double-precision overload of execute().
  void execute(const double* in, double* out, std::size_t batch);
  /// CUDA plans: like execute() but enqueued on the given cudaStream_t (passed as an integer).
  void execute_on_stream(const float* in, float* out, std::size_t batch, std::uintptr_t stream);
  /// Double-precision overload of execute_on_stream().
  void execute_on_stream(const double* in, double* out, std::size_t batch, std::uintptr_t stream);
  /// Benchmarks: runs only the FFTs a transform of batch images makes, on the plan's workspace
  /// (the floor execute() is measured against); reads and writes no user data.
  void execute_fft_only(std::size_t batch);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Fourier-domain filters of a transform, in double precision, unscaled (as in the SPEC).
struct FilterBank {
  std::size_t rows = 0;  ///< padded height Mp
  std::size_t cols = 0;  ///< padded width Np
  int J = 0;             ///< number of scales
  int L = 0;             ///< number of angles
  /// psi[n][r]: wavelet n = j*L + t at level r (grid (Mp>>r) x (Np>>r), row-major);
  /// levels r = 0..min(j, max(J-1,1)-1).
  std::vector<std::vector<std::vector<double>>> psi;
  /// phi[r]: low-pass at level r = 0..J-1.
  std::vector<std::vector<double>> phi;
};

/// Builds the filter bank for a padded grid (Mp x Np) with J scales and L angles.
FilterBank make_filter_bank(std::size_t padded_rows, std::size_t padded_cols, int J, int L,
                            int threads = 0);

/// Human-readable description of this build: version, FFTW, CUDA availability.
std::string build_info();

/// Instruction set of the CPU engine variant in use ("avx2" or "baseline").
std::string cpu_isa();

/// Whether this build can run CUDA plans, and if not, why (empty string when it can).
std::string cuda_unavailable_reason();

}  // namespace scatkit
