/* scatkit.h must compile as strict C89: this file is built with -std=c89 -pedantic-errors. */
#include <stdio.h>

#include "scatkit/scatkit.h"

int main(void) {
  scatkit_config cfg;
  scatkit_channel_meta meta;
  scatkit_plan* plan = NULL;
  meta.order = 0;
  if (scatkit_config_init(&cfg) != SCATKIT_OK) return 1;
  printf("scatkit %s (C89), meta.order=%d, plan=%p\n", scatkit_version(), meta.order, (void*)plan);
  return 0;
}
