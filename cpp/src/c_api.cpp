// The C API (scatkit.h) over scatkit::Plan. Every entry point is a firewall: C++ exceptions end
// here and become a status code plus a thread-local message.
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>
#include <string>

#include "scatkit/scatkit.h"
#include "scatkit/scattering2d.hpp"

struct scatkit_plan {
  scatkit::Plan plan;
  scatkit_config cfg;
};

namespace {

// A fixed buffer rather than a std::string: recording an error must never allocate or throw,
// or an out-of-memory report could itself fail.
thread_local char g_message[1024] = "";

void clear_error() { g_message[0] = '\0'; }

scatkit_status fail(scatkit_status code, const char* message) {
  std::snprintf(g_message, sizeof g_message, "%s", message);
  return code;
}

// Maps whatever fn throws onto a status code; SCATKIT_OK when fn returns normally.
template <class Fn>
scatkit_status guarded(Fn&& fn) noexcept {
  clear_error();
  try {
    fn();
    return SCATKIT_OK;
  } catch (const scatkit::InvalidArgument& e) {
    return fail(SCATKIT_ERR_INVALID_ARGUMENT, e.what());
  } catch (const scatkit::CudaError& e) {
    return fail(SCATKIT_ERR_CUDA, e.what());
  } catch (const scatkit::OutOfMemory& e) {
    return fail(SCATKIT_ERR_OUT_OF_MEMORY, e.what());
  } catch (const std::bad_alloc&) {
    return fail(SCATKIT_ERR_OUT_OF_MEMORY, "out of memory while building or running the plan.");
  } catch (const std::invalid_argument& e) {
    return fail(SCATKIT_ERR_INVALID_ARGUMENT, e.what());
  } catch (const std::exception& e) {
    return fail(SCATKIT_ERR_INTERNAL, e.what());
  } catch (...) {
    return fail(SCATKIT_ERR_INTERNAL, "an unknown exception was raised inside scatkit.");
  }
}

scatkit_status null_arg(const char* function, const char* name) {
  char buf[256];
  std::snprintf(buf, sizeof buf, "%s: %s must not be NULL.", function, name);
  return fail(SCATKIT_ERR_NULL_POINTER, buf);
}

// Translates the C configuration, rejecting enum values the C++ API has no meaning for.
scatkit::Config to_cpp(const scatkit_config& c) {
  if (c.precision != SCATKIT_FLOAT32 && c.precision != SCATKIT_FLOAT64) {
    throw scatkit::InvalidArgument(
        "precision must be SCATKIT_FLOAT32 (0) or SCATKIT_FLOAT64 (1), got " +
        std::to_string(c.precision) + ".");
  }
  if (c.device != SCATKIT_DEVICE_CPU && c.device != SCATKIT_DEVICE_CUDA) {
    throw scatkit::InvalidArgument(
        "device must be SCATKIT_DEVICE_CPU (0) or SCATKIT_DEVICE_CUDA (1), got " +
        std::to_string(c.device) + ".");
  }
  scatkit::Config cfg;
  cfg.rows = c.rows;
  cfg.cols = c.cols;
  cfg.J = c.J;
  cfg.L = c.L;
  cfg.max_order = c.max_order;
  cfg.precision =
      c.precision == SCATKIT_FLOAT64 ? scatkit::Precision::Float64 : scatkit::Precision::Float32;
  cfg.device = c.device == SCATKIT_DEVICE_CUDA ? scatkit::Device::CUDA : scatkit::Device::CPU;
  cfg.device_id = c.device_id;
  cfg.max_batch = c.max_batch;
  cfg.threads = c.threads;
  return cfg;
}

template <class T>
scatkit_status execute(const char* name, scatkit_plan* plan, const T* in, T* out, size_t batch,
                       int precision) {
  clear_error();
  if (!plan) return null_arg(name, "plan");
  if (batch > 0 && !in) return null_arg(name, "the input pointer");
  if (batch > 0 && !out) return null_arg(name, "the output pointer");
  if (plan->cfg.precision != precision) {
    char buf[256];
    std::snprintf(
        buf, sizeof buf, "%s: this plan was built for %s data; call %s instead.", name,
        plan->cfg.precision == SCATKIT_FLOAT64 ? "float64" : "float32",
        plan->cfg.precision == SCATKIT_FLOAT64 ? "scatkit_execute_f64" : "scatkit_execute_f32");
    return fail(SCATKIT_ERR_INVALID_ARGUMENT, buf);
  }
  return guarded([&] { plan->plan.execute(in, out, batch); });
}

}  // namespace

extern "C" {

const char* scatkit_version(void) { return SCATKIT_VERSION_STRING; }

int scatkit_version_number(void) {
  return SCATKIT_VERSION_MAJOR * 10000 + SCATKIT_VERSION_MINOR * 100 + SCATKIT_VERSION_PATCH;
}

const char* scatkit_build_info(void) {
  // Built on first use (thread-safe static initialisation); an allocation failure leaves the
  // bare version rather than letting bad_alloc escape.
  static const std::string info = []() noexcept -> std::string {
    try {
      return scatkit::build_info();
    } catch (...) {
      return std::string();
    }
  }();
  return info.empty() ? SCATKIT_VERSION_STRING : info.c_str();
}

const char* scatkit_status_string(scatkit_status status) {
  switch (status) {
    case SCATKIT_OK:
      return "SCATKIT_OK";
    case SCATKIT_ERR_INVALID_ARGUMENT:
      return "SCATKIT_ERR_INVALID_ARGUMENT";
    case SCATKIT_ERR_NULL_POINTER:
      return "SCATKIT_ERR_NULL_POINTER";
    case SCATKIT_ERR_OUT_OF_MEMORY:
      return "SCATKIT_ERR_OUT_OF_MEMORY";
    case SCATKIT_ERR_UNSUPPORTED:
      return "SCATKIT_ERR_UNSUPPORTED";
    case SCATKIT_ERR_CUDA:
      return "SCATKIT_ERR_CUDA";
    case SCATKIT_ERR_INTERNAL:
      return "SCATKIT_ERR_INTERNAL";
  }
  return "SCATKIT_ERR_UNKNOWN_STATUS";
}

const char* scatkit_last_error(void) { return g_message; }

scatkit_status scatkit_config_init(scatkit_config* cfg) {
  clear_error();
  if (!cfg) return null_arg("scatkit_config_init", "cfg");
  const scatkit::Config d;
  cfg->rows = 0;
  cfg->cols = 0;
  cfg->J = 0;
  cfg->L = d.L;
  cfg->max_order = d.max_order;
  cfg->precision = SCATKIT_FLOAT32;
  cfg->threads = d.threads;
  cfg->device = SCATKIT_DEVICE_CPU;
  cfg->device_id = d.device_id;
  cfg->max_batch = d.max_batch;
  return SCATKIT_OK;
}

scatkit_status scatkit_config_geometry(const scatkit_config* cfg, scatkit_geometry* geometry) {
  clear_error();
  if (!cfg) return null_arg("scatkit_config_geometry", "cfg");
  if (!geometry) return null_arg("scatkit_config_geometry", "geometry");
  const scatkit_config c = *cfg;
  return guarded([&] {
    const scatkit::Geometry g = scatkit::geometry(to_cpp(c));
    geometry->padded_rows = g.padded_rows;
    geometry->padded_cols = g.padded_cols;
    geometry->pad_top = g.pad_top;
    geometry->pad_left = g.pad_left;
    geometry->out_rows = g.out_rows;
    geometry->out_cols = g.out_cols;
    geometry->num_channels = g.num_channels;
  });
}

namespace {
// Both plan constructors: scatkit_config itself stays as it was (ABI), the invariance comes
// beside it.
scatkit_status create_plan(const char* fn, const scatkit_config* cfg, int invariance,
                           int angular_scales, scatkit_plan** plan) {
  clear_error();
  if (!plan) return null_arg(fn, "plan (the address receiving the plan)");
  *plan = nullptr;
  if (!cfg) return null_arg(fn, "cfg");
  const scatkit_config c = *cfg;
  scatkit::Config cc;
  scatkit_status st = guarded([&] {
    cc = to_cpp(c);
    if (invariance < SCATKIT_INVARIANCE_TRANSLATION ||
        invariance > SCATKIT_INVARIANCE_ROTO_TRANSLATION_SEPARABLE)
      throw scatkit::InvalidArgument("invariance must be a scatkit_invariance (0 to 3), got " +
                                     std::to_string(invariance) + ".");
    cc.invariance = static_cast<scatkit::Invariance>(invariance);
    cc.angular_scales = angular_scales;
    scatkit::validate(cc);
  });
  if (st != SCATKIT_OK) return st;
  if (cc.device == scatkit::Device::CUDA) {
    std::string why;
    st = guarded([&] { why = scatkit::cuda_unavailable_reason(); });
    if (st != SCATKIT_OK) return st;
    if (!why.empty()) {
      char buf[512];
      std::snprintf(buf, sizeof buf, "scatkit_plan_create: CUDA plans are unavailable: %s.",
                    why.c_str());
      return fail(SCATKIT_ERR_UNSUPPORTED, buf);
    }
  }
  return guarded([&] { *plan = new scatkit_plan{scatkit::Plan(cc), c}; });
}
}  // namespace

scatkit_status scatkit_plan_create(const scatkit_config* cfg, scatkit_plan** plan) {
  return create_plan("scatkit_plan_create", cfg, SCATKIT_INVARIANCE_TRANSLATION, 0, plan);
}

scatkit_status scatkit_plan_create_invariant(const scatkit_config* cfg, int invariance,
                                             int angular_scales, scatkit_plan** plan) {
  return create_plan("scatkit_plan_create_invariant", cfg, invariance, angular_scales, plan);
}

scatkit_status scatkit_plan_channel_angles(const scatkit_plan* plan, size_t channel, int* delta,
                                           int* k) {
  clear_error();
  if (!plan) return null_arg("scatkit_plan_channel_angles", "plan");
  if (!delta || !k) return null_arg("scatkit_plan_channel_angles", "delta and k");
  const auto& m = plan->plan.meta();
  if (channel >= m.size()) {
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  "scatkit_plan_channel_angles: channel must be below K=%zu, got %zu.", m.size(),
                  channel);
    return fail(SCATKIT_ERR_INVALID_ARGUMENT, buf);
  }
  *delta = m[channel].delta;
  *k = m[channel].k;
  return SCATKIT_OK;
}

void scatkit_plan_destroy(scatkit_plan* plan) {
  // ~Plan joins worker threads and destroys FFT plans; none of that throws, but a destructor
  // reached from C must not unwind into C even if it did.
  try {
    delete plan;
  } catch (...) {
  }
}

scatkit_status scatkit_execute_f32(scatkit_plan* plan, const float* in, float* out, size_t batch) {
  return execute("scatkit_execute_f32", plan, in, out, batch, SCATKIT_FLOAT32);
}

scatkit_status scatkit_execute_f64(scatkit_plan* plan, const double* in, double* out,
                                   size_t batch) {
  return execute("scatkit_execute_f64", plan, in, out, batch, SCATKIT_FLOAT64);
}

scatkit_status scatkit_plan_shape(const scatkit_plan* plan, size_t* channels, size_t* out_rows,
                                  size_t* out_cols) {
  clear_error();
  if (!plan) return null_arg("scatkit_plan_shape", "plan");
  if (!channels) return null_arg("scatkit_plan_shape", "channels");
  if (!out_rows) return null_arg("scatkit_plan_shape", "out_rows");
  if (!out_cols) return null_arg("scatkit_plan_shape", "out_cols");
  *channels = plan->plan.num_channels();
  *out_rows = plan->plan.out_rows();
  *out_cols = plan->plan.out_cols();
  return SCATKIT_OK;
}

scatkit_status scatkit_plan_out_size(const scatkit_plan* plan, size_t* size) {
  clear_error();
  if (!plan) return null_arg("scatkit_plan_out_size", "plan");
  if (!size) return null_arg("scatkit_plan_out_size", "size");
  *size = plan->plan.out_size();
  return SCATKIT_OK;
}

scatkit_status scatkit_plan_config(const scatkit_plan* plan, scatkit_config* cfg) {
  clear_error();
  if (!plan) return null_arg("scatkit_plan_config", "plan");
  if (!cfg) return null_arg("scatkit_plan_config", "cfg");
  *cfg = plan->cfg;
  return SCATKIT_OK;
}

scatkit_status scatkit_plan_threads(const scatkit_plan* plan, int* threads) {
  clear_error();
  if (!plan) return null_arg("scatkit_plan_threads", "plan");
  if (!threads) return null_arg("scatkit_plan_threads", "threads");
  *threads = plan->plan.threads();
  return SCATKIT_OK;
}

scatkit_status scatkit_plan_workspace_bytes(const scatkit_plan* plan, size_t* bytes) {
  clear_error();
  if (!plan) return null_arg("scatkit_plan_workspace_bytes", "plan");
  if (!bytes) return null_arg("scatkit_plan_workspace_bytes", "bytes");
  *bytes = plan->plan.workspace_bytes();
  return SCATKIT_OK;
}

scatkit_status scatkit_plan_channel_meta(const scatkit_plan* plan, size_t channel,
                                         scatkit_channel_meta* meta) {
  clear_error();
  if (!plan) return null_arg("scatkit_plan_channel_meta", "plan");
  if (!meta) return null_arg("scatkit_plan_channel_meta", "meta");
  const auto& m = plan->plan.meta();
  if (channel >= m.size()) {
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  "scatkit_plan_channel_meta: channel must be below K=%zu, got %zu.", m.size(),
                  channel);
    return fail(SCATKIT_ERR_INVALID_ARGUMENT, buf);
  }
  const scatkit::ChannelMeta& c = m[channel];
  *meta = scatkit_channel_meta{c.order, c.j1, c.theta1, c.j2, c.theta2};
  return SCATKIT_OK;
}

scatkit_status scatkit_plan_meta_table(const scatkit_plan* plan, int* table, size_t capacity) {
  clear_error();
  if (!plan) return null_arg("scatkit_plan_meta_table", "plan");
  if (!table) return null_arg("scatkit_plan_meta_table", "table");
  const auto& m = plan->plan.meta();
  if (capacity < m.size()) {
    char buf[200];
    std::snprintf(buf, sizeof buf,
                  "scatkit_plan_meta_table: the table must hold K=%zu rows of 5 ints, its "
                  "capacity is %zu rows.",
                  m.size(), capacity);
    return fail(SCATKIT_ERR_INVALID_ARGUMENT, buf);
  }
  for (size_t k = 0; k < m.size(); ++k) {
    int* row = table + 5 * k;
    row[0] = m[k].order;
    row[1] = m[k].j1;
    row[2] = m[k].theta1;
    row[3] = m[k].j2;
    row[4] = m[k].theta2;
  }
  return SCATKIT_OK;
}

}  // extern "C"
