// scatkit_image: scattering coefficients of a PGM/PPM image, from the command line.
//
//   scatkit_image input.pgm|ppm [-J 2] [-L 8] [--max-order 2] [--threads N] [-o out.txt|out.bin]
//                 [--meta]
//
// Each colour channel is transformed separately (one batch of 1 or 3 images through one Plan).
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <stdexcept>
#include <string>
#include <vector>

#include "pnm.hpp"
#include "scatkit/scattering2d.hpp"

namespace {

const char* kUsage =
    "usage: scatkit_image INPUT.pgm|INPUT.ppm [-J J] [-L L] [--max-order 1|2] [--threads N]\n"
    "                     [-o OUTPUT.txt|OUTPUT.bin] [--meta]\n"
    "  Reads a binary PGM (P5) or PPM (P6) image, 8 or 16 bits per sample, scales samples to\n"
    "  [0, 1] and computes the 2D scattering transform of each colour channel.\n"
    "  -J J            number of scales (default 2); needs 2^J <= width and height\n"
    "  -L L            number of angles (default 8)\n"
    "  --max-order M   1 or 2 (default 2)\n"
    "  --threads N     CPU threads, 0 = all cores (default 0)\n"
    "  -o FILE         write the coefficients: .txt (text) or .bin (float32, see README.md)\n"
    "  --meta          print the (order, j1, theta1, j2, theta2) table of the channels\n";

struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Options {
  std::string input, output;
  int J = 2, L = 8, max_order = 2, threads = 0;
  bool meta = false;
};

int parse_int(const std::string& flag, const char* value) {
  if (value == nullptr) throw UsageError(flag + " needs a value.");
  char* end = nullptr;
  const long v = std::strtol(value, &end, 10);
  if (*value == '\0' || *end != '\0' || v < -1000000 || v > 1000000)
    throw UsageError(flag + " needs an integer, got '" + value + "'.");
  return static_cast<int>(v);
}

Options parse_args(int argc, char** argv) {
  Options o;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    const char* next = i + 1 < argc ? argv[i + 1] : nullptr;
    if (a == "-h" || a == "--help") {
      std::cout << kUsage;
      std::exit(0);
    } else if (a == "-J") {
      o.J = parse_int(a, next), ++i;
    } else if (a == "-L") {
      o.L = parse_int(a, next), ++i;
    } else if (a == "--max-order") {
      o.max_order = parse_int(a, next), ++i;
    } else if (a == "--threads") {
      o.threads = parse_int(a, next), ++i;
    } else if (a == "-o") {
      if (next == nullptr) throw UsageError("-o needs a file name.");
      o.output = next, ++i;
    } else if (a == "--meta") {
      o.meta = true;
    } else if (!a.empty() && a[0] == '-') {
      throw UsageError("unknown option '" + a + "'.");
    } else if (o.input.empty()) {
      o.input = a;
    } else {
      throw UsageError("only one input image is accepted, got '" + o.input + "' and '" + a + "'.");
    }
  }
  if (o.input.empty()) throw UsageError("no input image given.");
  if (!o.output.empty()) {
    const auto dot = o.output.rfind('.');
    const std::string ext = dot == std::string::npos ? "" : o.output.substr(dot);
    if (ext != ".txt" && ext != ".bin")
      throw UsageError("the output file must end in .txt or .bin, got '" + o.output + "'.");
  }
  return o;
}

void put_u32_le(std::ofstream& f, std::uint32_t v) {
  const unsigned char b[4] = {static_cast<unsigned char>(v), static_cast<unsigned char>(v >> 8),
                              static_cast<unsigned char>(v >> 16),
                              static_cast<unsigned char>(v >> 24)};
  f.write(reinterpret_cast<const char*>(b), 4);
}

// Binary layout (little-endian): "SCATKIT\0", u32 format version 1, u32 C, K, H, W, u32 bytes
// per value (4), then C*K*H*W float32 values in C, K, H, W order.
void write_bin(const std::string& path, const std::vector<float>& v, std::size_t C, std::size_t K,
               std::size_t H, std::size_t W) {
  std::ofstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path + ": cannot open the file for writing.");
  f.write("SCATKIT\0", 8);
  for (std::size_t x : {std::size_t{1}, C, K, H, W, std::size_t{4}})
    put_u32_le(f, static_cast<std::uint32_t>(x));
  for (float x : v) {
    std::uint32_t bits;
    std::memcpy(&bits, &x, 4);
    put_u32_le(f, bits);
  }
  if (!f) throw std::runtime_error(path + ": write error.");
}

void write_txt(const std::string& path, const std::vector<float>& v, const scatkit::Plan& plan,
               std::size_t C) {
  std::FILE* f = std::fopen(path.c_str(), "w");
  if (!f) throw std::runtime_error(path + ": cannot open the file for writing.");
  const auto& cfg = plan.config();
  const std::size_t K = plan.num_channels(), H = plan.out_rows(), W = plan.out_cols();
  std::fprintf(f, "# scatkit %s J=%d L=%d max_order=%d\n", scatkit::version(), cfg.J, cfg.L,
               cfg.max_order);
  std::fprintf(f, "# shape C K H W: %zu %zu %zu %zu\n", C, K, H, W);
  std::fprintf(f, "# each line: c k order j1 theta1 j2 theta2, then H*W values row-major\n");
  for (std::size_t c = 0; c < C; ++c) {
    for (std::size_t k = 0; k < K; ++k) {
      const scatkit::ChannelMeta& m = plan.meta()[k];
      std::fprintf(f, "%zu %zu %d %d %d %d %d", c, k, m.order, m.j1, m.theta1, m.j2, m.theta2);
      const float* p = v.data() + (c * K + k) * H * W;
      for (std::size_t i = 0; i < H * W; ++i) std::fprintf(f, " %.9g", static_cast<double>(p[i]));
      std::fputc('\n', f);
    }
  }
  const bool ok = std::ferror(f) == 0;
  if (std::fclose(f) != 0 || !ok) throw std::runtime_error(path + ": write error.");
}

int run(const Options& o) {
  const pnm::Image img = pnm::read(o.input);
  std::printf("input: %s, %zux%zu, %zu channel(s), maxval %u\n", o.input.c_str(), img.width,
              img.height, img.channels, img.maxval);

  scatkit::Config cfg;
  cfg.rows = img.height;
  cfg.cols = img.width;
  cfg.J = o.J;
  cfg.L = o.L;
  cfg.max_order = o.max_order;
  cfg.threads = o.threads;
  scatkit::Plan plan(cfg);
  const std::size_t K = plan.num_channels(), H = plan.out_rows(), W = plan.out_cols();
  std::vector<float> out(img.channels * plan.out_size());
  plan.execute(img.data.data(), out.data(), img.channels);

  std::size_t per_order[3] = {0, 0, 0};
  for (const auto& m : plan.meta()) ++per_order[m.order];
  std::printf("scattering: J=%d L=%d max_order=%d, %d thread(s)\n", o.J, o.L, o.max_order,
              plan.threads());
  std::printf("output: %zu x %zu x %zu x %zu (image channels x K x rows x cols)\n", img.channels, K,
              H, W);
  std::printf("channels per order: %zu, %zu, %zu\n", per_order[0], per_order[1], per_order[2]);
  if (o.meta) {
    std::printf("k order j1 theta1 j2 theta2\n");
    for (std::size_t k = 0; k < K; ++k) {
      const auto& m = plan.meta()[k];
      std::printf("%zu %d %d %d %d %d\n", k, m.order, m.j1, m.theta1, m.j2, m.theta2);
    }
  }
  if (!o.output.empty()) {
    if (o.output.size() >= 4 && o.output.compare(o.output.size() - 4, 4, ".bin") == 0)
      write_bin(o.output, out, img.channels, K, H, W);
    else
      write_txt(o.output, out, plan, img.channels);
    std::printf("wrote %s (%zu values)\n", o.output.c_str(), out.size());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(parse_args(argc, argv));
  } catch (const UsageError& e) {
    std::fprintf(stderr, "scatkit_image: %s\n\n%s", e.what(), kUsage);
    return 2;
  } catch (const std::exception& e) {
    // pnm::Error, scatkit::InvalidArgument (e.g. J too large for the image), I/O failures
    std::fprintf(stderr, "scatkit_image: error: %s\n", e.what());
    return 1;
  }
}
