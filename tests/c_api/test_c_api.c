/* Drives the C API from C99: valid transforms, error codes and messages, NULL pointers,
 * metadata, precision handling and determinism. Exit status 0 on success. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scatkit/scatkit.h"

static int g_failures = 0;

#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      ++g_failures;                                                            \
    }                                                                          \
  } while (0)

/* The status must be `code` and the thread's message must contain `word`. */
#define CHECK_ERROR(expr, code, word)                                                            \
  do {                                                                                           \
    scatkit_status st_ = (expr);                                                                 \
    if (st_ != (code) || strstr(scatkit_last_error(), (word)) == NULL) {                         \
      fprintf(stderr, "%s:%d: %s gave %s (\"%s\"), expected %s mentioning '%s'\n", __FILE__,     \
              __LINE__, #expr, scatkit_status_string(st_), scatkit_last_error(), #code, (word)); \
      ++g_failures;                                                                              \
    }                                                                                            \
  } while (0)

/* Padded size and channel count from the SPEC, computed here independently of the library. */
static size_t padded(size_t n, int J) {
  size_t s = (size_t)1 << J;
  return ((n + s) / s + 1) * s;
}
static size_t expected_channels(int J, int L, int max_order) {
  size_t K = 1 + (size_t)(J * L);
  if (max_order == 2) K += (size_t)(L * L * J * (J - 1) / 2);
  return K;
}

static void fill_image(float* img, size_t rows, size_t cols, unsigned seed) {
  size_t i;
  unsigned s = seed * 2654435761u + 1u;
  for (i = 0; i < rows * cols; ++i) {
    s = s * 1664525u + 1013904223u;
    img[i] = (float)((s >> 8) & 0xFFFF) / 65536.0f;
  }
}

static scatkit_plan* make_plan(size_t rows, size_t cols, int J, int L, int max_order, int precision,
                               int threads) {
  scatkit_config cfg;
  scatkit_plan* plan = NULL;
  CHECK(scatkit_config_init(&cfg) == SCATKIT_OK);
  cfg.rows = rows;
  cfg.cols = cols;
  cfg.J = J;
  cfg.L = L;
  cfg.max_order = max_order;
  cfg.precision = precision;
  cfg.threads = threads;
  if (scatkit_plan_create(&cfg, &plan) != SCATKIT_OK) {
    fprintf(stderr, "plan creation failed: %s\n", scatkit_last_error());
    ++g_failures;
  }
  return plan;
}

static void test_version(void) {
  int major = -1, minor = -1, patch = -1;
  const char* v = scatkit_version();
  CHECK(v != NULL);
  CHECK(sscanf(v, "%d.%d.%d", &major, &minor, &patch) == 3);
  CHECK(scatkit_version_number() == major * 10000 + minor * 100 + patch);
  CHECK(strstr(scatkit_build_info(), v) != NULL);
  CHECK(strcmp(scatkit_status_string(SCATKIT_ERR_OUT_OF_MEMORY), "SCATKIT_ERR_OUT_OF_MEMORY") == 0);
  CHECK(strcmp(scatkit_status_string((scatkit_status)99), "SCATKIT_ERR_UNKNOWN_STATUS") == 0);
}

static void test_defaults(void) {
  scatkit_config cfg;
  memset(&cfg, 0x7f, sizeof cfg);
  CHECK(scatkit_config_init(&cfg) == SCATKIT_OK);
  CHECK(cfg.L == 8 && cfg.max_order == 2 && cfg.precision == SCATKIT_FLOAT32);
  CHECK(cfg.threads == 0 && cfg.device == SCATKIT_DEVICE_CPU && cfg.rows == 0 && cfg.J == 0);
}

/* A constant image c: order 0 is c times the low-pass DC gain, which the SPEC's normalisation
 * 2 * 3.1415 * sigma^2 makes pi / 3.1415 (the lattice sum of the Gaussian equals its integral
 * to ~1e-13 for sigma >= 1.6, i.e. J >= 2); orders 1 and 2 vanish since wavelets have zero mean. */
static void test_constant_image(void) {
  const size_t rows = 32, cols = 24;
  const int J = 2, L = 4;
  const float c = 0.75f;
  size_t K = 0, orow = 0, ocol = 0, n = 0, i, k;
  float *img, *out;
  double expect = c * 3.14159265358979323846 / 3.1415, worst0 = 0, worst12 = 0;
  scatkit_plan* plan = make_plan(rows, cols, J, L, 2, SCATKIT_FLOAT32, 1);
  if (!plan) return;
  CHECK(scatkit_plan_shape(plan, &K, &orow, &ocol) == SCATKIT_OK);
  CHECK(K == expected_channels(J, L, 2));
  CHECK(orow == padded(rows, J) / 4 - 2 && ocol == padded(cols, J) / 4 - 2);
  CHECK(orow == 8 && ocol == 6);
  CHECK(scatkit_plan_out_size(plan, &n) == SCATKIT_OK && n == K * orow * ocol);
  img = (float*)malloc(rows * cols * sizeof *img);
  out = (float*)malloc(n * sizeof *out);
  for (i = 0; i < rows * cols; ++i) img[i] = c;
  CHECK(scatkit_execute_f32(plan, img, out, 1) == SCATKIT_OK);
  CHECK(scatkit_last_error()[0] == '\0');
  for (i = 0; i < orow * ocol; ++i) {
    double d = fabs(out[i] - expect);
    if (d > worst0) worst0 = d;
  }
  for (k = 1; k < K; ++k)
    for (i = 0; i < orow * ocol; ++i) {
      double d = fabs(out[k * orow * ocol + i]);
      if (d > worst12) worst12 = d;
    }
  /* float32 resolves the 3e-5 gap between pi/3.1415 and 1, so this pins the normalisation. */
  CHECK(worst0 < 2e-6);
  CHECK(worst12 < 1e-5);
  free(img);
  free(out);
  scatkit_plan_destroy(plan);
}

/* One plan reused on a batch equals per-image calls, and runs are bitwise repeatable. */
static void test_batch_and_repeat(void) {
  const size_t rows = 20, cols = 28;
  const int J = 2, L = 3;
  size_t n = 0, i;
  float *img, *out, *one, *again;
  scatkit_plan* plan = make_plan(rows, cols, J, L, 2, SCATKIT_FLOAT32, 2);
  if (!plan) return;
  CHECK(scatkit_plan_out_size(plan, &n) == SCATKIT_OK);
  img = (float*)malloc(3 * rows * cols * sizeof *img);
  out = (float*)malloc(3 * n * sizeof *out);
  again = (float*)malloc(3 * n * sizeof *again);
  one = (float*)malloc(n * sizeof *one);
  for (i = 0; i < 3; ++i) fill_image(img + i * rows * cols, rows, cols, (unsigned)i + 1);
  CHECK(scatkit_execute_f32(plan, img, out, 3) == SCATKIT_OK);
  CHECK(scatkit_execute_f32(plan, img, again, 3) == SCATKIT_OK);
  CHECK(memcmp(out, again, 3 * n * sizeof *out) == 0);
  for (i = 0; i < 3; ++i) {
    CHECK(scatkit_execute_f32(plan, img + i * rows * cols, one, 1) == SCATKIT_OK);
    CHECK(memcmp(one, out + i * n, n * sizeof *one) == 0);
  }
  for (i = 0; i < 3 * n; ++i) CHECK(out[i] == out[i]); /* no NaN */
  /* batch 0 is a no-op that accepts NULL buffers */
  CHECK(scatkit_execute_f32(plan, NULL, NULL, 0) == SCATKIT_OK);
  free(img);
  free(out);
  free(again);
  free(one);
  scatkit_plan_destroy(plan);
}

/* Scaling the input by 2 scales every coefficient by exactly 2 (FFTs, products, sums and the
 * modulus commute with a power-of-two scale), and a float64 plan agrees with float32. */
static void test_homogeneity_and_precision(void) {
  const size_t rows = 16, cols = 16;
  const int J = 2, L = 4;
  size_t n = 0, i;
  float *img, *img2, *out, *out2;
  double *dimg, *dout, worst = 0, scale = 0;
  scatkit_plan* p32 = make_plan(rows, cols, J, L, 2, SCATKIT_FLOAT32, 1);
  scatkit_plan* p64 = make_plan(rows, cols, J, L, 2, SCATKIT_FLOAT64, 1);
  if (!p32 || !p64) return;
  CHECK(scatkit_plan_out_size(p32, &n) == SCATKIT_OK);
  img = (float*)malloc(rows * cols * sizeof *img);
  img2 = (float*)malloc(rows * cols * sizeof *img2);
  dimg = (double*)malloc(rows * cols * sizeof *dimg);
  out = (float*)malloc(n * sizeof *out);
  out2 = (float*)malloc(n * sizeof *out2);
  dout = (double*)malloc(n * sizeof *dout);
  fill_image(img, rows, cols, 7);
  for (i = 0; i < rows * cols; ++i) {
    img2[i] = 2.0f * img[i];
    dimg[i] = img[i];
  }
  CHECK(scatkit_execute_f32(p32, img, out, 1) == SCATKIT_OK);
  CHECK(scatkit_execute_f32(p32, img2, out2, 1) == SCATKIT_OK);
  CHECK(scatkit_execute_f64(p64, dimg, dout, 1) == SCATKIT_OK);
  for (i = 0; i < n; ++i) {
    double d = fabs((double)out[i] - dout[i]);
    CHECK(fabs(2.0 * out[i] - out2[i]) <= 1e-6 * fabs(out2[i]));
    if (d > worst) worst = d;
    if (fabs(dout[i]) > scale) scale = fabs(dout[i]);
  }
  CHECK(scale > 0 && worst <= 1e-5 * scale);
  /* the wrong precision is refused with a pointer to the right function */
  CHECK_ERROR(scatkit_execute_f64(p32, dimg, dout, 1), SCATKIT_ERR_INVALID_ARGUMENT,
              "scatkit_execute_f32");
  CHECK_ERROR(scatkit_execute_f32(p64, img, out, 1), SCATKIT_ERR_INVALID_ARGUMENT,
              "scatkit_execute_f64");
  free(img);
  free(img2);
  free(dimg);
  free(out);
  free(out2);
  free(dout);
  scatkit_plan_destroy(p32);
  scatkit_plan_destroy(p64);
}

/* threads=1 and threads=2 give bitwise identical output: every image is computed by one worker
 * with the same FFT plans, so the thread count changes only who computes what. */
static void test_thread_determinism(void) {
  const size_t rows = 24, cols = 24, batch = 5;
  size_t n = 0, i;
  int used = 0;
  float *img, *a, *b;
  scatkit_plan* p1 = make_plan(rows, cols, 3, 4, 2, SCATKIT_FLOAT32, 1);
  scatkit_plan* p2 = make_plan(rows, cols, 3, 4, 2, SCATKIT_FLOAT32, 2);
  if (!p1 || !p2) return;
  CHECK(scatkit_plan_threads(p1, &used) == SCATKIT_OK && used == 1);
  CHECK(scatkit_plan_threads(p2, &used) == SCATKIT_OK && used == 2);
  CHECK(scatkit_plan_out_size(p1, &n) == SCATKIT_OK);
  img = (float*)malloc(batch * rows * cols * sizeof *img);
  a = (float*)malloc(batch * n * sizeof *a);
  b = (float*)malloc(batch * n * sizeof *b);
  for (i = 0; i < batch; ++i) fill_image(img + i * rows * cols, rows, cols, (unsigned)(10 + i));
  CHECK(scatkit_execute_f32(p1, img, a, batch) == SCATKIT_OK);
  CHECK(scatkit_execute_f32(p2, img, b, batch) == SCATKIT_OK);
  CHECK(memcmp(a, b, batch * n * sizeof *a) == 0);
  free(img);
  free(a);
  free(b);
  scatkit_plan_destroy(p1);
  scatkit_plan_destroy(p2);
}

static void test_metadata(void) {
  const int J = 3, L = 2;
  size_t K = 0, r = 0, c = 0, k, counts[3] = {0, 0, 0};
  int* table;
  scatkit_channel_meta m;
  scatkit_config got;
  scatkit_plan* plan = make_plan(16, 16, J, L, 2, SCATKIT_FLOAT32, 1);
  if (!plan) return;
  CHECK(scatkit_plan_shape(plan, &K, &r, &c) == SCATKIT_OK);
  CHECK(K == expected_channels(J, L, 2));
  CHECK(scatkit_plan_config(plan, &got) == SCATKIT_OK);
  CHECK(got.rows == 16 && got.J == J && got.L == L && got.threads == 1);
  table = (int*)malloc(5 * K * sizeof *table);
  CHECK(scatkit_plan_meta_table(plan, table, K) == SCATKIT_OK);
  CHECK(scatkit_plan_channel_meta(plan, 0, &m) == SCATKIT_OK);
  CHECK(m.order == 0 && m.j1 == -1 && m.theta1 == -1 && m.j2 == -1 && m.theta2 == -1);
  for (k = 0; k < K; ++k) {
    const int* row = table + 5 * k;
    CHECK(scatkit_plan_channel_meta(plan, k, &m) == SCATKIT_OK);
    CHECK(m.order == row[0] && m.j1 == row[1] && m.theta1 == row[2] && m.j2 == row[3] &&
          m.theta2 == row[4]);
    CHECK(m.order >= 0 && m.order <= 2);
    if (m.order >= 0 && m.order <= 2) ++counts[m.order];
    if (m.order == 1) {
      /* order 1 follows order 0 as j-major, theta-minor */
      CHECK((size_t)(1 + m.j1 * L + m.theta1) == k && m.j2 == -1 && m.theta2 == -1);
    }
    if (m.order == 2) {
      CHECK(m.j1 < m.j2 && m.j2 < J && m.theta1 < L && m.theta2 < L);
    }
  }
  CHECK(counts[0] == 1 && counts[1] == (size_t)(J * L) && counts[2] == (size_t)(L * L * 3));
  CHECK_ERROR(scatkit_plan_channel_meta(plan, K, &m), SCATKIT_ERR_INVALID_ARGUMENT, "below K");
  CHECK_ERROR(scatkit_plan_meta_table(plan, table, K - 1), SCATKIT_ERR_INVALID_ARGUMENT,
              "capacity");
  free(table);
  scatkit_plan_destroy(plan);

  plan = make_plan(16, 16, J, L, 1, SCATKIT_FLOAT32, 1);
  if (!plan) return;
  CHECK(scatkit_plan_shape(plan, &K, &r, &c) == SCATKIT_OK && K == expected_channels(J, L, 1));
  scatkit_plan_destroy(plan);
}

static void test_invalid_configs(void) {
  scatkit_config cfg, base;
  scatkit_plan* plan = (scatkit_plan*)&cfg; /* must be reset to NULL on failure */
  scatkit_status st;
  scatkit_config_init(&base);
  base.rows = 16;
  base.cols = 16;
  base.J = 2;
  base.threads = 1;

  cfg = base;
  cfg.J = 0;
  CHECK_ERROR(scatkit_plan_create(&cfg, &plan), SCATKIT_ERR_INVALID_ARGUMENT, "J");
  CHECK(plan == NULL);
  cfg = base;
  cfg.J = 5; /* 2^5 > 16 */
  CHECK_ERROR(scatkit_plan_create(&cfg, &plan), SCATKIT_ERR_INVALID_ARGUMENT, "2^J");
  cfg = base;
  cfg.L = 0;
  CHECK_ERROR(scatkit_plan_create(&cfg, &plan), SCATKIT_ERR_INVALID_ARGUMENT, "L");
  cfg = base;
  cfg.max_order = 3;
  CHECK_ERROR(scatkit_plan_create(&cfg, &plan), SCATKIT_ERR_INVALID_ARGUMENT, "max_order");
  cfg = base;
  cfg.rows = 1;
  CHECK_ERROR(scatkit_plan_create(&cfg, &plan), SCATKIT_ERR_INVALID_ARGUMENT, "2x2");
  cfg = base;
  cfg.threads = -3;
  CHECK_ERROR(scatkit_plan_create(&cfg, &plan), SCATKIT_ERR_INVALID_ARGUMENT, "threads");
  cfg = base;
  cfg.precision = 7;
  CHECK_ERROR(scatkit_plan_create(&cfg, &plan), SCATKIT_ERR_INVALID_ARGUMENT, "precision");
  cfg = base;
  cfg.device = 9;
  CHECK_ERROR(scatkit_plan_create(&cfg, &plan), SCATKIT_ERR_INVALID_ARGUMENT, "device");
  CHECK(plan == NULL);

  /* A CUDA plan either works (a GPU build on a GPU machine) or says why it cannot. */
  cfg = base;
  cfg.device = SCATKIT_DEVICE_CUDA;
  st = scatkit_plan_create(&cfg, &plan);
  CHECK(st == SCATKIT_OK || st == SCATKIT_ERR_UNSUPPORTED || st == SCATKIT_ERR_CUDA);
  if (st == SCATKIT_OK)
    CHECK(plan != NULL);
  else
    CHECK(plan == NULL && strlen(scatkit_last_error()) > 10);
  scatkit_plan_destroy(plan);

  /* a success clears the previous message */
  cfg = base;
  cfg.J = 0;
  CHECK(scatkit_plan_create(&cfg, &plan) != SCATKIT_OK && scatkit_last_error()[0] != '\0');
  CHECK(scatkit_config_init(&cfg) == SCATKIT_OK && scatkit_last_error()[0] == '\0');
}

/* scatkit_config_geometry gives a plan's sizes without building it, and refuses what
 * scatkit_plan_create refuses with the same status and message. */
static void test_geometry(void) {
  static const size_t shapes[][2] = {{16, 16}, {12, 10}, {7, 33}, {2, 2}, {64, 5}};
  const int Js[] = {1, 2, 3};
  scatkit_config cfg;
  scatkit_geometry g;
  scatkit_plan* plan = NULL;
  char first[1024];
  size_t i, j, K, r, c;
  for (i = 0; i < sizeof shapes / sizeof shapes[0]; ++i) {
    for (j = 0; j < sizeof Js / sizeof Js[0]; ++j) {
      scatkit_config_init(&cfg);
      cfg.rows = shapes[i][0];
      cfg.cols = shapes[i][1];
      cfg.J = Js[j];
      cfg.L = 3;
      cfg.threads = 1;
      if (((size_t)1 << cfg.J) > (cfg.rows < cfg.cols ? cfg.rows : cfg.cols)) {
        CHECK_ERROR(scatkit_config_geometry(&cfg, &g), SCATKIT_ERR_INVALID_ARGUMENT, "2^J");
        strcpy(first, scatkit_last_error());
        CHECK(scatkit_plan_create(&cfg, &plan) == SCATKIT_ERR_INVALID_ARGUMENT);
        CHECK(plan == NULL && strcmp(first, scatkit_last_error()) == 0);
        continue;
      }
      CHECK(scatkit_config_geometry(&cfg, &g) == SCATKIT_OK && scatkit_last_error()[0] == '\0');
      CHECK(g.padded_rows == padded(cfg.rows, cfg.J) && g.padded_cols == padded(cfg.cols, cfg.J));
      CHECK(g.pad_top == (g.padded_rows - cfg.rows) / 2);
      CHECK(g.pad_left == (g.padded_cols - cfg.cols) / 2);
      CHECK(g.num_channels == expected_channels(cfg.J, cfg.L, cfg.max_order));
      plan = make_plan(cfg.rows, cfg.cols, cfg.J, cfg.L, cfg.max_order, SCATKIT_FLOAT32, 1);
      if (!plan) continue;
      CHECK(scatkit_plan_shape(plan, &K, &r, &c) == SCATKIT_OK);
      CHECK(K == g.num_channels && r == g.out_rows && c == g.out_cols);
      scatkit_plan_destroy(plan);
      plan = NULL;
    }
  }
  scatkit_config_init(&cfg);
  cfg.rows = 16;
  cfg.cols = 16;
  cfg.J = 2;
  cfg.L = 0;
  CHECK_ERROR(scatkit_config_geometry(&cfg, &g), SCATKIT_ERR_INVALID_ARGUMENT, "L");
  cfg.L = 8;
  cfg.precision = 7;
  CHECK_ERROR(scatkit_config_geometry(&cfg, &g), SCATKIT_ERR_INVALID_ARGUMENT, "precision");
  CHECK_ERROR(scatkit_config_geometry(NULL, &g), SCATKIT_ERR_NULL_POINTER, "cfg");
  CHECK_ERROR(scatkit_config_geometry(&cfg, NULL), SCATKIT_ERR_NULL_POINTER, "geometry");
}

static void test_null_pointers(void) {
  scatkit_config cfg;
  scatkit_plan* plan = NULL;
  scatkit_channel_meta m;
  size_t a, b, c;
  int t;
  float x[256], y[4096];
  CHECK_ERROR(scatkit_config_init(NULL), SCATKIT_ERR_NULL_POINTER, "cfg");
  CHECK_ERROR(scatkit_plan_create(NULL, &plan), SCATKIT_ERR_NULL_POINTER, "cfg");
  CHECK(plan == NULL);
  scatkit_config_init(&cfg);
  cfg.rows = 16;
  cfg.cols = 16;
  cfg.J = 2;
  cfg.L = 2;
  cfg.threads = 1;
  CHECK_ERROR(scatkit_plan_create(&cfg, NULL), SCATKIT_ERR_NULL_POINTER, "plan");
  CHECK_ERROR(scatkit_execute_f32(NULL, x, y, 1), SCATKIT_ERR_NULL_POINTER, "plan");
  CHECK_ERROR(scatkit_execute_f64(NULL, NULL, NULL, 1), SCATKIT_ERR_NULL_POINTER, "plan");
  CHECK_ERROR(scatkit_plan_shape(NULL, &a, &b, &c), SCATKIT_ERR_NULL_POINTER, "plan");
  CHECK_ERROR(scatkit_plan_threads(NULL, &t), SCATKIT_ERR_NULL_POINTER, "plan");
  CHECK_ERROR(scatkit_plan_channel_meta(NULL, 0, &m), SCATKIT_ERR_NULL_POINTER, "plan");
  scatkit_plan_destroy(NULL);
  CHECK(scatkit_plan_create(&cfg, &plan) == SCATKIT_OK);
  if (!plan) return;
  CHECK(scatkit_plan_out_size(plan, &a) == SCATKIT_OK && a <= 4096);
  memset(x, 0, sizeof x);
  CHECK_ERROR(scatkit_execute_f32(plan, NULL, y, 1), SCATKIT_ERR_NULL_POINTER, "input");
  CHECK_ERROR(scatkit_execute_f32(plan, x, NULL, 1), SCATKIT_ERR_NULL_POINTER, "output");
  CHECK_ERROR(scatkit_plan_shape(plan, NULL, &b, &c), SCATKIT_ERR_NULL_POINTER, "channels");
  CHECK_ERROR(scatkit_plan_shape(plan, &a, &b, NULL), SCATKIT_ERR_NULL_POINTER, "out_cols");
  CHECK_ERROR(scatkit_plan_out_size(plan, NULL), SCATKIT_ERR_NULL_POINTER, "size");
  CHECK_ERROR(scatkit_plan_config(plan, NULL), SCATKIT_ERR_NULL_POINTER, "cfg");
  CHECK_ERROR(scatkit_plan_threads(plan, NULL), SCATKIT_ERR_NULL_POINTER, "threads");
  CHECK_ERROR(scatkit_plan_workspace_bytes(plan, NULL), SCATKIT_ERR_NULL_POINTER, "bytes");
  CHECK_ERROR(scatkit_plan_channel_meta(plan, 0, NULL), SCATKIT_ERR_NULL_POINTER, "meta");
  CHECK_ERROR(scatkit_plan_meta_table(plan, NULL, 100), SCATKIT_ERR_NULL_POINTER, "table");
  CHECK(scatkit_plan_workspace_bytes(plan, &a) == SCATKIT_OK && a > 0);
  /* the plan still works after all those refusals */
  CHECK(scatkit_execute_f32(plan, x, y, 1) == SCATKIT_OK);
  scatkit_plan_destroy(plan);
}

int main(void) {
  test_version();
  test_defaults();
  test_constant_image();
  test_batch_and_repeat();
  test_homogeneity_and_precision();
  test_thread_determinism();
  test_metadata();
  test_invalid_configs();
  test_geometry();
  test_null_pointers();
  if (g_failures) {
    fprintf(stderr, "test_c_api: %d check(s) failed\n", g_failures);
    return 1;
  }
  printf("test_c_api: all checks passed (scatkit %s)\n", scatkit_version());
  return 0;
}
