/* Uses the installed C API from C: a constant image's order-0 output and the channel count. */
#include <math.h>
#include <stdio.h>

#include "scatkit/scatkit.h"

int main(void) {
  /* 32 pads to 40 for J=2, so each channel is 40/4 - 2 = 8 pixels a side; K = 1 + 8 + 16. */
  static float img[32 * 32], out[25 * 8 * 8];
  const double expect = 0.25 * 3.14159265358979323846 / 3.1415;
  scatkit_config cfg;
  scatkit_plan* plan = NULL;
  size_t K = 0, rows = 0, cols = 0, i;
  double worst = 0;
  scatkit_config_init(&cfg);
  cfg.rows = 32;
  cfg.cols = 32;
  cfg.J = 2;
  cfg.L = 4;
  cfg.threads = 1;
  if (scatkit_plan_create(&cfg, &plan) != SCATKIT_OK) {
    fprintf(stderr, "consume_c: %s\n", scatkit_last_error());
    return 1;
  }
  scatkit_plan_shape(plan, &K, &rows, &cols);
  if (K != 25 || rows != 8 || cols != 8) {
    fprintf(stderr, "consume_c: unexpected shape %zu x %zu x %zu\n", K, rows, cols);
    scatkit_plan_destroy(plan);
    return 1;
  }
  for (i = 0; i < 32 * 32; ++i) img[i] = 0.25f;
  if (scatkit_execute_f32(plan, img, out, 1) != SCATKIT_OK) {
    fprintf(stderr, "consume_c: %s\n", scatkit_last_error());
    scatkit_plan_destroy(plan);
    return 1;
  }
  for (i = 0; i < 64; ++i) worst = fmax(worst, fabs(out[i] - expect));
  scatkit_plan_destroy(plan);
  printf("consume_c: scatkit %s, K=%zu, order-0 max error %.3g\n", scatkit_version(), K, worst);
  return worst < 2e-6 ? 0 : 1;
}
