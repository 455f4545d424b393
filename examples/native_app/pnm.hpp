// Reader for binary PGM (P5) and PPM (P6) images, 8 or 16 bits per sample, no dependencies.
#pragma once

#include <cstddef>
#include <stdexcept>
#include <string>
#include <vector>

namespace pnm {

/// A bad or unsupported image file; what() names the file and the problem.
class Error : public std::runtime_error {
 public:
  /// Builds the error from a full sentence.
  explicit Error(const std::string& what) : std::runtime_error(what) {}
};

/// An image as planar float channels scaled to [0, 1] (sample / maxval).
struct Image {
  std::size_t width = 0;     ///< columns
  std::size_t height = 0;    ///< rows
  std::size_t channels = 0;  ///< 1 for PGM, 3 for PPM (R, G, B)
  unsigned maxval = 0;       ///< the file's maximum sample value (255, 65535, ...)
  std::vector<float> data;   ///< channels x height x width, row-major
};

/// Parses the bytes of a P5/P6 file; name is only used in error messages.
Image parse(const std::vector<unsigned char>& bytes, const std::string& name);

/// Reads and parses a P5/P6 file; throws Error when it cannot be read or is malformed.
Image read(const std::string& path);

}  // namespace pnm
