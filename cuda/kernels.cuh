// The CUDA engine's elementwise passes, as functors that map one flat output index onto the
// shared host+device math of scatkit/detail/elementwise.hpp.
//
// The functors hold only plain pointers and sizes, so the same objects run inside the CUDA
// grid-stride kernel below and in a host loop (cuda/emulation_test.cpp checks the whole GPU
// pipeline that way on machines without a GPU).
#pragma once

#include <cstddef>

#include "scatkit/detail/elementwise.hpp"

namespace scatkit {
namespace detail {
namespace gpu {

/// Reflect padding of a batch of M x N images onto P x Q grids.
template <class T>
struct PadOp {
  const T* in;      ///< batch x M x N
  T* padded;        ///< batch x P x Q
  long M, N, P, Q;  ///< input and padded sizes
  long top, left;   ///< pad widths
  /// Writes padded element i.
  SCATKIT_HD void operator()(std::size_t i) const {
    const std::size_t grid = static_cast<std::size_t>(P * Q);
    const std::size_t img = i / grid;
    const long cell = static_cast<long>(i - img * grid);
    const long p = cell / Q, q = cell - p * Q;
    padded[i] = padded_value(in + img * static_cast<std::size_t>(M * N), M, N, top, left, p, q);
  }
};

/// Band-pass product and periodisation: for every source half spectrum s (level r, Pr x Qr) and
/// angle t, grid s*L+t of out is the product with filter t folded onto the level-j grid.
template <class T>
struct BandProductOp {
  const Complex<T>* half;   ///< source r2c half spectra
  std::size_t half_stride;  ///< elements between source spectra
  const T* filters;         ///< L filters of Pr x Qr, contiguous
  long Pr, Qr;              ///< source grid
  long k;                   ///< 2^(j-r)
  long Pj, Qj;              ///< output grid
  long L;                   ///< angles
  Complex<T>* out;          ///< (sources * L) x Pj x Qj
  /// Writes output element i.
  SCATKIT_HD void operator()(std::size_t i) const {
    const std::size_t grid = static_cast<std::size_t>(Pj * Qj);
    const std::size_t g = i / grid;
    const long cell = static_cast<long>(i - g * grid);
    const long a = cell / Qj, b = cell - a * Qj;
    const std::size_t s = g / static_cast<std::size_t>(L);
    const std::size_t t = g - s * static_cast<std::size_t>(L);
    out[i] = product_periodize_half(
        half + s * half_stride, filters + t * static_cast<std::size_t>(Pr * Qr), Pr, Qr, k, a, b);
  }
};

/// Modulus of complex maps into real maps.
template <class T>
struct ModulusOp {
  const Complex<T>* in;  ///< complex maps
  T* out;                ///< their moduli
  /// Writes out[i].
  SCATKIT_HD void operator()(std::size_t i) const { out[i] = modulus(in[i]); }
};

/// Low-pass product and periodisation of half spectra onto the level-J half grid.
template <class T>
struct LowProductOp {
  const Complex<T>* half;   ///< source r2c half spectra
  std::size_t half_stride;  ///< elements between source spectra
  const T* phi;             ///< low-pass filter at the source level, Pr x Qr
  long Pr, Qr;              ///< source grid
  long k;                   ///< 2^(J-r)
  long PJ, hJ;              ///< output half grid: PJ x (QJ/2+1)
  Complex<T>* out;          ///< sources x PJ x hJ
  /// Writes output element i.
  SCATKIT_HD void operator()(std::size_t i) const {
    const std::size_t grid = static_cast<std::size_t>(PJ * hJ);
    const std::size_t g = i / grid;
    const long cell = static_cast<long>(i - g * grid);
    const long a = cell / hJ, b = cell - a * hJ;
    out[i] = product_periodize_half(half + g * half_stride, phi, Pr, Qr, k, a, b);
  }
};

/// Final pass: crops the level-J maps and scatters them into their output channels. Map g of
/// image n = g / per_image is channel chan[gi / inner] + gi % inner, gi = g % per_image.
template <class T>
struct CropOp {
  const T* maps;          ///< maps x PJ x QJ
  long QJ;                ///< map width (rows: PJ)
  std::size_t map_size;   ///< PJ * QJ
  long rows, cols;        ///< output map size
  std::size_t per_image;  ///< maps per image
  std::size_t inner;      ///< consecutive channels per chan entry
  const long* chan;       ///< first channel of each run of inner maps
  std::size_t K;          ///< channels per image in out
  T* out;                 ///< images x K x rows x cols
  /// Writes the output element fed by flat cropped index i.
  SCATKIT_HD void operator()(std::size_t i) const {
    const std::size_t cell_count = static_cast<std::size_t>(rows * cols);
    const std::size_t g = i / cell_count;
    const long cell = static_cast<long>(i - g * cell_count);
    const long r = cell / cols, c = cell - r * cols;
    const std::size_t img = g / per_image;
    const std::size_t gi = g - img * per_image;
    const std::size_t ch = static_cast<std::size_t>(chan[gi / inner]) + gi % inner;
    out[(img * K + ch) * cell_count + static_cast<std::size_t>(cell)] =
        maps[g * map_size + static_cast<std::size_t>(crop_source_index(QJ, r, c))];
  }
};

#if defined(__CUDACC__)
/// Grid-stride loop running op(i) for every i < n.
template <class Op>
__global__ void for_each_index(std::size_t n, Op op) {
  const std::size_t stride = static_cast<std::size_t>(gridDim.x) * blockDim.x;
  for (std::size_t i = static_cast<std::size_t>(blockIdx.x) * blockDim.x + threadIdx.x; i < n;
       i += stride)
    op(i);
}
#endif

}  // namespace gpu
}  // namespace detail
}  // namespace scatkit
