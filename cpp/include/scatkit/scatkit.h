/* C API of scatkit, for FFI (ctypes, cffi, Rust, Julia, ...) and for embedding in C programs.
 *
 * Valid C89, C99 and C++. No C++ exception ever crosses these functions: every failure is a
 * scatkit_status code, and scatkit_last_error() gives the sentence that explains it.
 *
 * Typical use:
 *   scatkit_config cfg;
 *   scatkit_plan* plan = NULL;
 *   scatkit_config_init(&cfg);
 *   cfg.rows = 64; cfg.cols = 64; cfg.J = 2;
 *   if (scatkit_plan_create(&cfg, &plan) != SCATKIT_OK) puts(scatkit_last_error());
 *   scatkit_execute_f32(plan, images, coefficients, batch);
 *   scatkit_plan_destroy(plan);
 */
#ifndef SCATKIT_H
#define SCATKIT_H

#include <stddef.h>

/* Exported even when the library is compiled with -fvisibility=hidden. */
#if defined(__GNUC__) && __GNUC__ >= 4
#define SCATKIT_API __attribute__((visibility("default")))
#else
#define SCATKIT_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

/** Result of every fallible call; SCATKIT_OK is 0 and every failure is positive. */
typedef enum scatkit_status {
  SCATKIT_OK = 0,                   /**< success */
  SCATKIT_ERR_INVALID_ARGUMENT = 1, /**< a configuration or argument outside the contract */
  SCATKIT_ERR_NULL_POINTER = 2,     /**< a required pointer was NULL */
  SCATKIT_ERR_OUT_OF_MEMORY = 3,    /**< memory for filters, FFT plans or workspace is missing */
  SCATKIT_ERR_UNSUPPORTED = 4,      /**< valid request this build cannot serve (e.g. no CUDA) */
  SCATKIT_ERR_CUDA = 5,             /**< the CUDA runtime or cuFFT reported a failure */
  SCATKIT_ERR_INTERNAL = 6          /**< an unexpected failure inside the library (a bug) */
} scatkit_status;

/** Floating-point type of a plan's inputs and outputs (scatkit_config.precision). */
typedef enum scatkit_precision {
  SCATKIT_FLOAT32 = 0, /**< float: use scatkit_execute_f32 */
  SCATKIT_FLOAT64 = 1  /**< double: use scatkit_execute_f64 */
} scatkit_precision;

/** Where a plan runs and where execute's pointers live (scatkit_config.device). */
typedef enum scatkit_device {
  SCATKIT_DEVICE_CPU = 0, /**< host memory, FFTW engine */
  SCATKIT_DEVICE_CUDA = 1 /**< device memory, cuFFT engine (builds with CUDA only) */
} scatkit_device;

/** What a plan's output is invariant to (scatkit_plan_create_invariant; docs/transform.md
 *  section 7). */
typedef enum scatkit_invariance {
  SCATKIT_INVARIANCE_TRANSLATION = 0,               /**< the translation scattering */
  SCATKIT_INVARIANCE_ROTATION = 1,                  /**< its average over the rotation orbit */
  SCATKIT_INVARIANCE_ROTO_TRANSLATION = 2,          /**< joint rigid-motion scattering */
  SCATKIT_INVARIANCE_ROTO_TRANSLATION_SEPARABLE = 3 /**< separable roto-translation */
} scatkit_invariance;

/** Description of a transform; fill it with scatkit_config_init() first, then set fields. */
typedef struct scatkit_config {
  size_t rows;      /**< image height M (>= 2^J) */
  size_t cols;      /**< image width N (>= 2^J) */
  int J;            /**< number of scales, >= 1 */
  int L;            /**< number of angles, >= 1 (default 8) */
  int max_order;    /**< 1 or 2 (default 2) */
  int precision;    /**< a scatkit_precision (default SCATKIT_FLOAT32) */
  int threads;      /**< CPU worker threads; 0 = the CPUs this process may use (default 0) */
  int device;       /**< a scatkit_device (default SCATKIT_DEVICE_CPU) */
  int device_id;    /**< CUDA device ordinal (default 0) */
  size_t max_batch; /**< CUDA images per launch, 0 = automatic; ignored on the CPU (default 0) */
} scatkit_config;

/** What one output channel holds; -1 marks a field that does not apply to its order. */
typedef struct scatkit_channel_meta {
  int order;  /**< 0, 1 or 2 */
  int j1;     /**< scale of the first wavelet */
  int theta1; /**< angle index of the first wavelet */
  int j2;     /**< scale of the second wavelet */
  int theta2; /**< angle index of the second wavelet */
} scatkit_channel_meta;

/** Sizes of a transform, as scatkit_config_geometry() computes them. */
typedef struct scatkit_geometry {
  size_t padded_rows;  /**< padded height Mp = ((M + 2^J) / 2^J + 1) * 2^J */
  size_t padded_cols;  /**< padded width Np, by the same rule */
  size_t pad_top;      /**< reflect-padded rows above the image, (Mp - M) / 2 */
  size_t pad_left;     /**< reflect-padded columns left of the image, (Np - N) / 2 */
  size_t out_rows;     /**< output height Mp / 2^J - 2 */
  size_t out_cols;     /**< output width Np / 2^J - 2 */
  size_t num_channels; /**< number of output channels K */
} scatkit_geometry;

/** A transform built once and executed many times; opaque, owned by the caller. */
typedef struct scatkit_plan scatkit_plan;

/** Library version as "MAJOR.MINOR.PATCH"; static storage, never NULL. */
SCATKIT_API const char* scatkit_version(void);

/** Library version as MAJOR * 10000 + MINOR * 100 + PATCH. */
SCATKIT_API int scatkit_version_number(void);

/** One line describing the build (version, FFTW, CUDA); static storage, never NULL. */
SCATKIT_API const char* scatkit_build_info(void);

/** Short constant name of a status code, e.g. "SCATKIT_ERR_NULL_POINTER"; never NULL. */
SCATKIT_API const char* scatkit_status_string(scatkit_status status);

/** Message of the last failed call on this thread, "" after a success; valid until the next
 *  scatkit call on this thread; never NULL. */
SCATKIT_API const char* scatkit_last_error(void);

/** Fills cfg with the defaults (L=8, max_order=2, float32, CPU, all threads; rows, cols, J = 0
 *  so they must be set). */
SCATKIT_API scatkit_status scatkit_config_init(scatkit_config* cfg);

/** Validates cfg and builds filters, FFT plans and workspace; *plan is NULL on failure. */
SCATKIT_API scatkit_status scatkit_plan_create(const scatkit_config* cfg, scatkit_plan** plan);

/** Like scatkit_plan_create, with a scatkit_invariance and the number of angular wavelets of the
 *  roto-translation variants (0 = default). CPU and CUDA plans compute every variant. */
SCATKIT_API scatkit_status scatkit_plan_create_invariant(const scatkit_config* cfg, int invariance,
                                                         int angular_scales, scatkit_plan** plan);

/** Relative angle and angular filter of a channel of an invariant plan (-1 = not applicable). */
SCATKIT_API scatkit_status scatkit_plan_channel_angles(const scatkit_plan* plan, size_t channel,
                                                       int* delta, int* k);

/** Releases a plan and everything it owns; NULL is accepted and ignored. */
SCATKIT_API void scatkit_plan_destroy(scatkit_plan* plan);

/** Transforms batch images: in is batch x rows x cols, out is batch x K x out_rows x out_cols,
 *  both C-contiguous float. Allocates nothing once warm. CPU plans take concurrent calls from
 *  several threads (a call arriving while another runs uses a spare workspace, made once);
 *  CUDA plans one call at a time. */
SCATKIT_API scatkit_status scatkit_execute_f32(scatkit_plan* plan, const float* in, float* out,
                                               size_t batch);

/** Double-precision counterpart of scatkit_execute_f32, for plans built with SCATKIT_FLOAT64. */
SCATKIT_API scatkit_status scatkit_execute_f64(scatkit_plan* plan, const double* in, double* out,
                                               size_t batch);

/** Validates cfg as scatkit_plan_create would (same status and message) and, without
 *  building a plan, writes the transform's sizes to geometry. */
SCATKIT_API scatkit_status scatkit_config_geometry(const scatkit_config* cfg,
                                                   scatkit_geometry* geometry);

/** Output shape of one image: K channels of out_rows x out_cols. */
SCATKIT_API scatkit_status scatkit_plan_shape(const scatkit_plan* plan, size_t* channels,
                                              size_t* out_rows, size_t* out_cols);

/** Number of output values one image produces: K * out_rows * out_cols. */
SCATKIT_API scatkit_status scatkit_plan_out_size(const scatkit_plan* plan, size_t* size);

/** The configuration the plan was built from (threads as given, 0 meaning all). */
SCATKIT_API scatkit_status scatkit_plan_config(const scatkit_plan* plan, scatkit_config* cfg);

/** Number of worker threads the plan actually uses (CPU), 0 for CUDA plans. */
SCATKIT_API scatkit_status scatkit_plan_threads(const scatkit_plan* plan, int* threads);

/** Bytes of workspace and filters the plan holds. */
SCATKIT_API scatkit_status scatkit_plan_workspace_bytes(const scatkit_plan* plan, size_t* bytes);

/** Description of output channel `channel` (0 <= channel < K). */
SCATKIT_API scatkit_status scatkit_plan_channel_meta(const scatkit_plan* plan, size_t channel,
                                                     scatkit_channel_meta* meta);

/** All channel descriptions as a K x 5 row-major table (order, j1, theta1, j2, theta2);
 *  capacity is the number of rows table can hold and must be >= K. */
SCATKIT_API scatkit_status scatkit_plan_meta_table(const scatkit_plan* plan, int* table,
                                                   size_t capacity);

#ifdef __cplusplus
}
#endif

#endif /* SCATKIT_H */
