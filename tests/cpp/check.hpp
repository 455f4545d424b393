// A minimal assertion harness for the C++ unit tests: header-only, no dependency.
//
// Each test executable defines TEST_CASE(name) { ... } blocks and ends with SCATKIT_TEST_MAIN().
// Checks record a failure and continue, so one run reports every broken property at once; an
// exception escaping a test case counts as a failure of that case. The exit status is non-zero
// when anything failed, which is all ctest looks at.
#pragma once

#include <cmath>
#include <cstdio>
#include <exception>
#include <sstream>
#include <string>
#include <vector>

namespace scatkit_test {

/// A registered test case.
struct Case {
  const char* name;  ///< the name given to TEST_CASE
  void (*fn)();      ///< its body
};

/// All test cases of this executable, in definition order.
inline std::vector<Case>& cases() {
  static std::vector<Case> all;
  return all;
}

/// Counters shared by the checks of one executable.
struct Counters {
  long checks = 0;    ///< checks evaluated
  long failures = 0;  ///< checks that failed
};

/// The counters of this executable.
inline Counters& counters() {
  static Counters c;
  return c;
}

/// Adds a test case to the registry at static-initialisation time.
struct Registrar {
  /// Registers fn under name.
  Registrar(const char* name, void (*fn)()) { cases().push_back({name, fn}); }
};

/// Records the outcome of one check; prints where and why when it failed.
inline bool record(bool ok, const char* file, int line, const std::string& what) {
  ++counters().checks;
  if (!ok) {
    ++counters().failures;
    std::fprintf(stderr, "%s:%d: FAILED: %s\n", file, line, what.c_str());
  }
  return ok;
}

/// Whether |a - b| <= tol, false for NaN.
inline bool close(double a, double b, double tol) { return std::fabs(a - b) <= tol; }

/// Formats a value with enough digits to tell doubles apart.
template <class T>
std::string str(const T& v) {
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}

/// Runs every registered case and prints a summary; returns the process exit status.
inline int run_all() {
  for (const Case& c : cases()) {
    const long before = counters().failures;
    try {
      c.fn();
    } catch (const std::exception& e) {
      ++counters().failures;
      std::fprintf(stderr, "%s: unexpected exception: %s\n", c.name, e.what());
    } catch (...) {
      ++counters().failures;
      std::fprintf(stderr, "%s: unexpected non-standard exception\n", c.name);
    }
    std::printf("[%s] %s\n", counters().failures == before ? "ok  " : "FAIL", c.name);
  }
  std::printf("%zu cases, %ld checks, %ld failures\n", cases().size(), counters().checks,
              counters().failures);
  return counters().failures == 0 ? 0 : 1;
}

}  // namespace scatkit_test

/// Defines and registers a test case.
#define TEST_CASE(name)                                                 \
  static void name();                                                   \
  static const ::scatkit_test::Registrar name##_registrar(#name, name); \
  static void name()

/// Checks a condition; continues on failure.
#define CHECK(cond) ::scatkit_test::record(static_cast<bool>(cond), __FILE__, __LINE__, #cond)

/// Checks a == b and prints both values on failure.
#define CHECK_EQ(a, b)                \
  ::scatkit_test::record(             \
      (a) == (b), __FILE__, __LINE__, \
      std::string(#a " == " #b ": ") + ::scatkit_test::str(a) + " vs " + ::scatkit_test::str(b))

/// Checks |a - b| <= tol and prints both values on failure.
#define CHECK_NEAR(a, b, tol)                                                                      \
  ::scatkit_test::record(::scatkit_test::close((a), (b), (tol)), __FILE__, __LINE__,               \
                         std::string("|" #a " - " #b "| <= " #tol ": ") + ::scatkit_test::str(a) + \
                             " vs " + ::scatkit_test::str(b) + " (tol " +                          \
                             ::scatkit_test::str(tol) + ")")

/// Checks that stmt throws `type` (or a subclass) whose what() contains substr.
#define CHECK_THROWS(stmt, type, substr)                                                     \
  do {                                                                                       \
    std::string scatkit_msg_ = "no exception";                                               \
    bool scatkit_ok_ = false;                                                                \
    try {                                                                                    \
      stmt;                                                                                  \
    } catch (const type& e) {                                                                \
      scatkit_msg_ = e.what();                                                               \
      scatkit_ok_ = scatkit_msg_.find(substr) != std::string::npos;                          \
    } catch (const std::exception& e) {                                                      \
      scatkit_msg_ = std::string("another exception: ") + e.what();                          \
    }                                                                                        \
    ::scatkit_test::record(scatkit_ok_, __FILE__, __LINE__,                                  \
                           std::string(#stmt " throws " #type " mentioning \"") + (substr) + \
                               "\"; got: " + scatkit_msg_);                                  \
  } while (0)

/// Defines main() for a test executable.
#define SCATKIT_TEST_MAIN() \
  int main() { return ::scatkit_test::run_all(); }
