#include "pnm.hpp"

#include <fstream>
#include <iterator>
#include <limits>

namespace pnm {
namespace {

bool is_space(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Header cursor: numbers are separated by whitespace and '#' comments running to end of line.
class Header {
 public:
  Header(const std::vector<unsigned char>& b, const std::string& name) : b_(b), name_(name) {}

  std::size_t pos() const { return pos_; }
  void advance() { ++pos_; }

  unsigned long number(const char* what) {
    skip_blanks();
    if (pos_ >= b_.size())
      throw Error(name_ + ": the header ends before the " + what + " (file truncated?).");
    if (b_[pos_] < '0' || b_[pos_] > '9')
      throw Error(name_ + ": expected the " + what + " as a decimal number in the header, found '" +
                  std::string(1, static_cast<char>(b_[pos_])) + "'.");
    unsigned long v = 0;
    while (pos_ < b_.size() && b_[pos_] >= '0' && b_[pos_] <= '9') {
      const unsigned d = b_[pos_++] - '0';
      // Bounded well below overflow; real images are far smaller than this.
      if (v > (std::numeric_limits<unsigned long>::max() - d) / 10 || v * 10 + d > 1000000000UL)
        throw Error(name_ + ": the " + what + " in the header is absurdly large.");
      v = v * 10 + d;
    }
    return v;
  }

 private:
  void skip_blanks() {
    while (pos_ < b_.size()) {
      if (is_space(b_[pos_])) {
        ++pos_;
      } else if (b_[pos_] == '#') {
        while (pos_ < b_.size() && b_[pos_] != '\n' && b_[pos_] != '\r') ++pos_;
      } else {
        break;
      }
    }
  }

  const std::vector<unsigned char>& b_;
  const std::string& name_;
  std::size_t pos_ = 2;  // after the magic number
};

}  // namespace

Image parse(const std::vector<unsigned char>& bytes, const std::string& name) {
  if (bytes.size() < 2 || bytes[0] != 'P')
    throw Error(name + ": not a PGM/PPM file (it does not start with 'P5' or 'P6').");
  const char kind = static_cast<char>(bytes[1]);
  if (kind == '1' || kind == '2' || kind == '3' || kind == '4' || kind == '7')
    throw Error(name + ": format 'P" + std::string(1, kind) +
                "' is not supported; only binary PGM (P5) and binary PPM (P6) are read. "
                "Convert it, e.g. with ImageMagick: convert in.pnm -depth 16 out.pgm");
  if (kind != '5' && kind != '6')
    throw Error(name + ": not a PGM/PPM file (it does not start with 'P5' or 'P6').");
  Image img;
  img.channels = kind == '5' ? 1 : 3;
  Header h(bytes, name);
  img.width = h.number("width");
  img.height = h.number("height");
  const unsigned long maxval = h.number("maximum value");
  if (img.width == 0 || img.height == 0)
    throw Error(name + ": the image is empty (" + std::to_string(img.width) + "x" +
                std::to_string(img.height) + ").");
  if (maxval == 0 || maxval > 65535)
    throw Error(name + ": the maximum value must be between 1 and 65535, got " +
                std::to_string(maxval) + ".");
  img.maxval = static_cast<unsigned>(maxval);
  if (h.pos() >= bytes.size() || !is_space(bytes[h.pos()]))
    throw Error(name + ": expected one whitespace character after the maximum value.");
  h.advance();

  const std::size_t bps = img.maxval < 256 ? 1 : 2;  // 16-bit samples are big-endian
  const std::size_t samples = img.width * img.height * img.channels;
  const std::size_t have = bytes.size() - h.pos();
  if (have < samples * bps)
    throw Error(name + ": truncated: " + std::to_string(img.width) + "x" +
                std::to_string(img.height) + "x" + std::to_string(img.channels) + " samples of " +
                std::to_string(bps) + " byte(s) need " + std::to_string(samples * bps) +
                " bytes of pixel data, the file has " + std::to_string(have) + ".");
  const unsigned char* p = bytes.data() + h.pos();
  img.data.resize(samples);
  const std::size_t plane = img.width * img.height;
  const float scale = 1.0f / static_cast<float>(img.maxval);
  for (std::size_t i = 0; i < samples; ++i) {
    const unsigned v = bps == 1 ? p[i] : (static_cast<unsigned>(p[2 * i]) << 8) | p[2 * i + 1];
    if (v > img.maxval)
      throw Error(name + ": sample " + std::to_string(i) + " is " + std::to_string(v) +
                  ", above the maximum value " + std::to_string(img.maxval) + ".");
    // Interleaved RGB in the file, planar channels in memory: one scattering input per channel.
    const std::size_t pixel = i / img.channels, c = i % img.channels;
    img.data[c * plane + pixel] = static_cast<float>(v) * scale;
  }
  return img;
}

Image read(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw Error(path + ": cannot open the file for reading.");
  std::vector<unsigned char> bytes((std::istreambuf_iterator<char>(f)),
                                   std::istreambuf_iterator<char>());
  if (f.bad()) throw Error(path + ": read error.");
  return parse(bytes, path);
}

}  // namespace pnm
