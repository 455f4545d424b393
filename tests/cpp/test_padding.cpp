// Reflect padding (SPEC section 1) against sequences of NumPy's np.pad(mode='reflect') written out
// by hand, including pads wider than the image, where the mirror is applied again and again.
#include <vector>

#include "check.hpp"
#include "scatkit/detail/elementwise.hpp"

using scatkit::detail::padded_value;
using scatkit::detail::reflect_index;

namespace {

// Checks reflect_index over positions -pad .. n-1+pad against np.pad(arange(n), pad, 'reflect').
void check_sequence(long n, long pad, const std::vector<long>& expected) {
  CHECK_EQ(static_cast<long>(expected.size()), n + 2 * pad);
  for (long p = 0; p < static_cast<long>(expected.size()); ++p) {
    const long got = reflect_index(p - pad, n);
    if (!CHECK_EQ(got, expected[static_cast<size_t>(p)]))
      std::fprintf(stderr, "  n=%ld pad=%ld at padded position %ld\n", n, pad, p);
  }
}

}  // namespace

TEST_CASE(reflect_inside_is_identity) {
  for (long n : {2L, 3L, 5L, 17L})
    for (long i = 0; i < n; ++i) CHECK_EQ(reflect_index(i, n), i);
}

TEST_CASE(reflect_n2_pad_3n) {
  // np.pad(np.arange(2), 6, mode='reflect')
  check_sequence(2, 6, {0, 1, 0, 1, 0, 1, /**/ 0, 1, /**/ 0, 1, 0, 1, 0, 1});
}

TEST_CASE(reflect_n3_pad_3n) {
  // np.pad(np.arange(3), 9, mode='reflect')
  check_sequence(3, 9, {1, 0, 1, 2, 1, 0, 1, 2, 1, /**/ 0, 1, 2, /**/ 1, 0, 1, 2, 1, 0, 1, 2, 1});
}

TEST_CASE(reflect_n5_pad_3n) {
  // np.pad(np.arange(5), 15, mode='reflect')
  check_sequence(5, 15, {1, 2, 3, 4, 3, 2, 1, 0, 1, 2, 3, 4, 3, 2, 1,  //
                         0, 1, 2, 3, 4,                                //
                         3, 2, 1, 0, 1, 2, 3, 4, 3, 2, 1, 0, 1, 2, 3});
}

TEST_CASE(reflect_short_pads) {
  // np.pad(np.arange(5), 2, 'reflect') and np.pad(np.arange(4), 3, 'reflect'): one mirror only.
  check_sequence(5, 2, {2, 1, 0, 1, 2, 3, 4, 3, 2});
  check_sequence(4, 3, {3, 2, 1, 0, 1, 2, 3, 2, 1, 0});
}

TEST_CASE(reflect_far_positions) {
  // Far from the image the mirror repeats with period 2(n-1): n=3 has period 4.
  CHECK_EQ(reflect_index(-1000, 3), 0L);  // -1000 = -250 * 4
  CHECK_EQ(reflect_index(-1001, 3), 1L);
  CHECK_EQ(reflect_index(1002, 3), 2L);
  CHECK_EQ(reflect_index(1003, 3), 1L);
}

TEST_CASE(padded_value_2d) {
  // np.pad([[1, 2, 3], [4, 5, 6]], ((2, 2), (4, 3)), mode='reflect'): the row pads equal the
  // image height and the left pad exceeds the width.
  const double img[] = {1, 2, 3, 4, 5, 6};
  const double expected[6][10] = {{1, 2, 3, 2, 1, 2, 3, 2, 1, 2}, {4, 5, 6, 5, 4, 5, 6, 5, 4, 5},
                                  {1, 2, 3, 2, 1, 2, 3, 2, 1, 2}, {4, 5, 6, 5, 4, 5, 6, 5, 4, 5},
                                  {1, 2, 3, 2, 1, 2, 3, 2, 1, 2}, {4, 5, 6, 5, 4, 5, 6, 5, 4, 5}};
  for (long p = 0; p < 6; ++p)
    for (long q = 0; q < 10; ++q) CHECK_EQ(padded_value(img, 2, 3, 2, 4, p, q), expected[p][q]);
}

TEST_CASE(padded_value_2d_float_asymmetric) {
  // np.pad(arange(12).reshape(3, 4), ((1, 2), (3, 0)), mode='reflect'), as float32: the SPEC's
  // odd total pads put the extra row/column at the bottom/right.
  const float img[] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
  const float expected[6][7] = {{7, 6, 5, 4, 5, 6, 7}, {3, 2, 1, 0, 1, 2, 3},
                                {7, 6, 5, 4, 5, 6, 7}, {11, 10, 9, 8, 9, 10, 11},
                                {7, 6, 5, 4, 5, 6, 7}, {3, 2, 1, 0, 1, 2, 3}};
  for (long p = 0; p < 6; ++p)
    for (long q = 0; q < 7; ++q) CHECK_EQ(padded_value(img, 3, 4, 1, 3, p, q), expected[p][q]);
}

SCATKIT_TEST_MAIN()
