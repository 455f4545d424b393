#include "fft/fftw_plan.hpp"

#include <unistd.h>

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

// One precision's wisdom functions and what the cache file last held as far as this process
// knows (loaded or written by it): a plan build whose wisdom equals it learned nothing new.
struct WisdomKind {
  const char* file;
  char* (*to_string)();
  int (*from_filename)(const char*);
  std::string known;
};

WisdomKind g_kinds[2] = {
    {"fftw3-wisdom.txt", fftw_export_wisdom_to_string, fftw_import_wisdom_from_filename, {}},
    {"fftw3f-wisdom.txt", fftwf_export_wisdom_to_string, fftwf_import_wisdom_from_filename, {}},
};

std::string exported(const WisdomKind& k) {
  char* w = k.to_string();
  if (!w) return {};
  std::string out(w);
  std::free(w);  // FFTW allocates the string with malloc
  return out;
}

// Writes text to dir/name through a unique temporary (mkstemp) and rename(), so a reader or a
// concurrent writer never sees a partial file; false when any step fails (nothing is left).
bool write_atomically(const std::filesystem::path& dir, const char* name, const std::string& text) {
  std::string tmp = (dir / (std::string(".") + name + ".XXXXXX")).string();
  const int fd = mkstemp(tmp.data());
  if (fd < 0) return false;
  size_t done = 0;
  while (done < text.size()) {
    const ssize_t n = write(fd, text.data() + done, text.size() - done);
    if (n <= 0) break;
    done += static_cast<size_t>(n);
  }
  const bool ok = done == text.size() && fsync(fd) == 0;
  close(fd);
  if (ok && std::rename(tmp.c_str(), (dir / name).c_str()) == 0) return true;
  std::remove(tmp.c_str());
  return false;
}

}  // namespace

void fftw_load_wisdom_once() {
  // Caller holds the planner mutex.
  if (g_wisdom_loaded) return;
  g_wisdom_loaded = true;
  const auto dir = wisdom_dir();
  if (dir.empty()) return;
  std::error_code ec;
  for (WisdomKind& k : g_kinds) {
    const auto f = dir / k.file;
    if (std::filesystem::exists(f, ec)) k.from_filename(f.c_str());
    k.known = exported(k);
  }
}

void fftw_save_wisdom() {
  // Caller holds the planner mutex. Only a plan build that added wisdom writes, and it first
  // merges what other processes wrote meanwhile, so concurrent processes lose nothing but a
  // race between two writers (the later rename wins; both files are whole).
  const auto dir = wisdom_dir();
  if (dir.empty()) return;
  for (WisdomKind& k : g_kinds) {
    if (exported(k) == k.known) continue;
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return;
    const auto f = dir / k.file;
    if (std::filesystem::exists(f, ec)) k.from_filename(f.c_str());
    const std::string text = exported(k);
    if (write_atomically(dir, k.file, text)) k.known = text;
  }
}

}  // namespace detail
}  // namespace scatkit
