// Writes the PGM/PPM files run.sh feeds to the native_app example, good and bad ones, into the
// directory given as argv[1].
#include <cstdio>
#include <fstream>
#include <string>

namespace {
void write(const std::string& path, const std::string& header, const std::string& body) {
  std::ofstream f(path, std::ios::binary);
  f << header << body;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: make_images DIR\n");
    return 2;
  }
  const std::string d = std::string(argv[1]) + "/";
  const int W = 48, H = 40;
  std::string g8, g16, rgb, flat;
  for (int y = 0; y < H; ++y)
    for (int x = 0; x < W; ++x) {
      const int v = (x * 5 + y * 3 + (x * y) % 17) % 256;
      g8 += static_cast<char>(v);
      const int w = v * 257 + x;
      g16 += static_cast<char>(w >> 8);
      g16 += static_cast<char>(w & 255);
      rgb += static_cast<char>(v);
      rgb += static_cast<char>(255 - v);
      rgb += static_cast<char>((x * 11) % 256);
      flat += static_cast<char>(191);
    }
  write(d + "gradient8.pgm", "P5\n# made by make_images\n48 40\n255\n", g8);
  write(d + "gradient16.pgm", "P5 48 40 65535\n", g16);
  write(d + "colour.ppm", "P6\n48\n40\n255\n", rgb);
  write(d + "flat.pgm", "P5\n48 40\n255\n", flat);  // constant 191/255
  write(d + "truncated.pgm", "P5\n48 40\n255\n", g8.substr(0, 100));
  write(d + "ascii.pgm", "P2\n2 2\n255\n0 1 2 3\n", "");
  write(d + "garbage.pgm", "this is not an image\n", "");
  write(d + "small.pgm", "P5\n3 3\n255\n", std::string(9, 'x'));  // too small for J=2
  return 0;
}
