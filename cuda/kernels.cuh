// The CUDA engine's elementwise passes, as functors that map one flat output index onto the
// shared host+device math of scatkit/detail/elementwise.hpp.
//
// The functors hold only plain pointers and sizes, so the same objects run inside the CUDA
// grid-stride kernel below and in a host loop (tests/cuda/emulation_test.cpp checks the whole
// GPU pipeline that way on machines without a GPU).
#pragma once

#include <cstddef>

#include "scatkit/detail/elementwise.hpp"

namespace scatkit {
namespace detail {
namespace gpu {

/// Whether n elements can be indexed with 32-bit unsigned arithmetic (grid-stride headroom
/// included). GPUs have no integer divider and 64-bit division costs several times more, so
/// launches use 32-bit indices whenever they fit.
inline bool fits_32_bit(std::size_t n) { return n <= (std::size_t{1} << 31); }

/// Flat index i of images x channels x plane values split into image, channel and cell.
template <class I>
struct ChannelIndex {
  I img, c, p;  ///< image, channel, cell in the plane
  /// Splits i (channels per image, plane cells per channel).
  SCATKIT_HD ChannelIndex(I i, std::size_t channels, std::size_t plane) {
    const I g = i / static_cast<I>(plane);
    p = i - g * static_cast<I>(plane);
    img = g / static_cast<I>(channels);
    c = g - img * static_cast<I>(channels);
  }
};

/// Reflect padding of a batch of M x N images onto P x Q grids.
template <class T>
struct PadOp {
  const T* in;      ///< batch x M x N
  T* padded;        ///< batch x P x Q
  long M, N, P, Q;  ///< input and padded sizes
  long top, left;   ///< pad widths
  /// Writes padded element i (I: unsigned or std::size_t).
  template <class I>
  SCATKIT_HD void operator()(I i) const {
    const I grid = static_cast<I>(P * Q);
    const I img = i / grid;
    const I cell = i - img * grid;
    const I p = cell / static_cast<I>(Q), q = cell - p * static_cast<I>(Q);
    padded[i] = padded_value(in + static_cast<std::size_t>(img) * static_cast<std::size_t>(M * N),
                             M, N, top, left, static_cast<long>(p), static_cast<long>(q));
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
  /// Writes output element i (I: unsigned or std::size_t).
  template <class I>
  SCATKIT_HD void operator()(I i) const {
    const I grid = static_cast<I>(Pj * Qj);
    const I g = i / grid;
    const I cell = i - g * grid;
    const I a = cell / static_cast<I>(Qj), b = cell - a * static_cast<I>(Qj);
    const I s = g / static_cast<I>(L);
    const I t = g - s * static_cast<I>(L);
    out[i] = product_periodize_half(
        half + static_cast<std::size_t>(s) * half_stride,
        filters + static_cast<std::size_t>(t) * static_cast<std::size_t>(Pr * Qr), Pr, Qr, k,
        static_cast<long>(a), static_cast<long>(b));
  }
};

/// Modulus of complex maps into real maps.
template <class T>
struct ModulusOp {
  const Complex<T>* in;  ///< complex maps
  T* out;                ///< their moduli
  /// Writes out[i].
  template <class I>
  SCATKIT_HD void operator()(I i) const {
    out[i] = modulus(in[i]);
  }
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
  /// Writes output element i (I: unsigned or std::size_t).
  template <class I>
  SCATKIT_HD void operator()(I i) const {
    const I grid = static_cast<I>(PJ * hJ);
    const I g = i / grid;
    const I cell = i - g * grid;
    const I a = cell / static_cast<I>(hJ), b = cell - a * static_cast<I>(hJ);
    out[i] = product_periodize_half(half + static_cast<std::size_t>(g) * half_stride, phi, Pr, Qr,
                                    k, static_cast<long>(a), static_cast<long>(b));
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
  /// Writes the output element fed by flat cropped index i (I: unsigned or std::size_t).
  template <class I>
  SCATKIT_HD void operator()(I i) const {
    const I cells = static_cast<I>(rows * cols);
    const I g = i / cells;
    const I cell = i - g * cells;
    const I r = cell / static_cast<I>(cols), c = cell - r * static_cast<I>(cols);
    const I img = g / static_cast<I>(per_image);
    const I gi = g - img * static_cast<I>(per_image);
    const I run = gi / static_cast<I>(inner);
    const std::size_t ch = static_cast<std::size_t>(chan[run]) +
                           static_cast<std::size_t>(gi - run * static_cast<I>(inner));
    out[(static_cast<std::size_t>(img) * K + ch) * static_cast<std::size_t>(cells) +
        static_cast<std::size_t>(cell)] =
        maps[static_cast<std::size_t>(g) * map_size +
             static_cast<std::size_t>(
                 crop_source_index(QJ, static_cast<long>(r), static_cast<long>(c)))];
  }
};

#if defined(__CUDACC__)
/// Grid-stride loop running op(i) for every i < n, with indices of type I.
template <class I, class Op>
__global__ void for_each_index(I n, Op op) {
  const I stride = static_cast<I>(gridDim.x) * static_cast<I>(blockDim.x);
  for (I i = static_cast<I>(blockIdx.x) * static_cast<I>(blockDim.x) + threadIdx.x; i < n;
       i += stride)
    op(i);
}
#endif

}  // namespace gpu
}  // namespace detail
}  // namespace scatkit
