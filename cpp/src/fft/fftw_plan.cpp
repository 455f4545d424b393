#include "fft/fftw_plan.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <string>
#include <system_error>

#include "scatkit/errors.hpp"

namespace scatkit {
namespace detail {

std::mutex& fftw_planner_mutex() {
  static std::mutex m;
  return m;
}

void throw_out_of_memory(size_t bytes, const char* what) {
  std::ostringstream os;
  if (bytes == SIZE_MAX)
    os << "cannot allocate " << what << ": the requested size overflows.";
  else
    os << "cannot allocate " << what << " of " << (bytes >> 20) << " MiB (" << bytes
       << " bytes); use smaller images, a smaller batch or fewer threads.";
  throw OutOfMemory(os.str());
}

namespace {

// Wisdom lives in the user cache ($SCATKIT_CACHE_DIR, else $XDG_CACHE_HOME/scatkit, else
// ~/.cache/scatkit); SCATKIT_FFTW_WISDOM=0 turns it off. The files only speed up planning, so
// deleting them is always safe.
std::filesystem::path wisdom_dir() {
  const char* off = std::getenv("SCATKIT_FFTW_WISDOM");
  if (off && std::string(off) == "0") return {};
  if (const char* d = std::getenv("SCATKIT_CACHE_DIR")) return std::filesystem::path(d);
  if (const char* x = std::getenv("XDG_CACHE_HOME")) return std::filesystem::path(x) / "scatkit";
  if (const char* h = std::getenv("HOME")) return std::filesystem::path(h) / ".cache" / "scatkit";
  return {};
}

bool g_wisdom_loaded = false;

}  // namespace

void fftw_load_wisdom_once() {
  // Caller holds the planner mutex.
  if (g_wisdom_loaded) return;
  g_wisdom_loaded = true;
  const auto dir = wisdom_dir();
  if (dir.empty()) return;
  std::error_code ec;
  const auto d = dir / "fftw3-wisdom.txt", f = dir / "fftw3f-wisdom.txt";
  if (std::filesystem::exists(d, ec)) fftw_import_wisdom_from_filename(d.c_str());
  if (std::filesystem::exists(f, ec)) fftwf_import_wisdom_from_filename(f.c_str());
}

void fftw_save_wisdom() {
  // Caller holds the planner mutex. Written to a temporary then renamed, so concurrent
  // processes never read a torn file.
  const auto dir = wisdom_dir();
  if (dir.empty()) return;
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return;
  const std::string tag = std::to_string(static_cast<long>(std::rand()));
  const auto d = dir / "fftw3-wisdom.txt", f = dir / "fftw3f-wisdom.txt";
  const auto dt = dir / ("fftw3-wisdom.txt.tmp" + tag), ft = dir / ("fftw3f-wisdom.txt.tmp" + tag);
  if (fftw_export_wisdom_to_filename(dt.c_str())) std::filesystem::rename(dt, d, ec);
  if (fftwf_export_wisdom_to_filename(ft.c_str())) std::filesystem::rename(ft, f, ec);
  std::filesystem::remove(dt, ec);
  std::filesystem::remove(ft, ec);
}

}  // namespace detail
}  // namespace scatkit
