// The only nanobind file: a thin layer over scatkit::Plan. Shape and dtype policy lives in the
// Python front end; this file checks only what keeps the C++ side memory-safe.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <cstring>
#include <string>

#include "scatkit/scattering2d.hpp"

namespace nb = nanobind;
using namespace nb::literals;

namespace {

scatkit::Precision parse_precision(const std::string& p) {
  if (p == "float32") return scatkit::Precision::Float32;
  if (p == "float64") return scatkit::Precision::Float64;
  throw scatkit::InvalidArgument("precision must be 'float32' or 'float64', got '" + p + "'.");
}

scatkit::Device parse_device(const std::string& d) {
  if (d == "cpu") return scatkit::Device::CPU;
  if (d == "cuda") return scatkit::Device::CUDA;
  throw scatkit::InvalidArgument("device must be 'cpu' or 'cuda', got '" + d + "'.");
}

// An engine switch (scatkit::EngineOptions) from its Python spelling: "auto" or one of the
// given names.
template <class E>
E parse_switch(const char* what, const std::string& v,
               std::initializer_list<std::pair<const char*, E>> choices) {
  std::string names = "'auto'";
  if (v == "auto") return E::Auto;
  for (const auto& c : choices) {
    if (v == c.first) return c.second;
    names += std::string(", '") + c.first + "'";
  }
  throw scatkit::InvalidArgument(std::string(what) + " must be one of " + names + ", got '" + v +
                                 "'.");
}

template <class T>
nb::ndarray<nb::numpy, T> to_numpy(std::vector<T>&& v, std::initializer_list<size_t> shape) {
  auto* heap = new std::vector<T>(std::move(v));
  nb::capsule owner(heap, [](void* p) noexcept { delete static_cast<std::vector<T>*>(p); });
  return nb::ndarray<nb::numpy, T>(heap->data(), shape, owner);
}

// Channel descriptions as a K x 5 int32 array: order, j1, theta1, j2, theta2; the invariance
// variants add delta and k (K x 7, docs/transform.md section 7.5).
nb::ndarray<nb::numpy, int> meta_table(const std::vector<scatkit::ChannelMeta>& meta,
                                       bool invariant = false) {
  const size_t width = invariant ? 7 : 5;
  std::vector<int> v;
  v.reserve(meta.size() * width);
  for (const auto& c : meta) {
    v.insert(v.end(), {c.order, c.j1, c.theta1, c.j2, c.theta2});
    if (invariant) v.insert(v.end(), {c.delta, c.k});
  }
  return to_numpy(std::move(v), {meta.size(), width});
}

template <class T, class Dev>
void execute_checked(scatkit::Plan& plan, nb::ndarray<const T, nb::ndim<3>, nb::c_contig, Dev> in,
                     nb::ndarray<T, nb::ndim<4>, nb::c_contig, Dev> out, std::uintptr_t stream) {
  const size_t batch = in.shape(0);
  if (in.shape(1) != plan.config().rows || in.shape(2) != plan.config().cols)
    throw scatkit::InvalidArgument("input images must be " + std::to_string(plan.config().rows) +
                                   "x" + std::to_string(plan.config().cols) + ", got " +
                                   std::to_string(in.shape(1)) + "x" + std::to_string(in.shape(2)) +
                                   ".");
  if (out.shape(0) != batch || out.shape(1) != plan.num_channels() ||
      out.shape(2) != plan.out_rows() || out.shape(3) != plan.out_cols())
    throw scatkit::InvalidArgument("output array has the wrong shape for this plan.");
  const T* ip = in.data();
  T* op = out.data();
  nb::gil_scoped_release release;
  plan.execute_on_stream(ip, op, batch, stream);
}

// CUDA arrays (any DLPack producer: PyTorch, CuPy, ...) for a CUDA plan on their device.
template <class T>
void execute_cuda(scatkit::Plan& plan,
                  nb::ndarray<const T, nb::ndim<3>, nb::c_contig, nb::device::cuda> in,
                  nb::ndarray<T, nb::ndim<4>, nb::c_contig, nb::device::cuda> out,
                  std::uintptr_t stream) {
  const int dev = plan.config().device_id;
  if (plan.config().device != scatkit::Device::CUDA)
    throw scatkit::InvalidArgument(
        "this plan runs on the CPU but was given CUDA arrays; build it "
        "with device='cuda' or pass host arrays.");
  if (in.device_id() != dev || out.device_id() != dev)
    throw scatkit::InvalidArgument("this plan runs on cuda:" + std::to_string(dev) +
                                   " but the input is on cuda:" + std::to_string(in.device_id()) +
                                   " and the output on cuda:" + std::to_string(out.device_id()) +
                                   ".");
  execute_checked<T>(plan, in, out, stream);
}

// The transform's own fields of a Config; the others keep their defaults.
scatkit::Config transform_config(size_t rows, size_t cols, int J, int L, int max_order,
                                 const std::string& invariance = "translation",
                                 int angular_scales = 0) {
  scatkit::Config cfg;
  cfg.invariance = scatkit::parse_invariance(invariance);
  cfg.angular_scales = angular_scales;
  cfg.rows = rows;
  cfg.cols = cols;
  cfg.J = J;
  cfg.L = L;
  cfg.max_order = max_order;
  return cfg;
}

// The engine's geometry and limits, so that no front end computes its own.
void bind_geometry(nb::module_& m) {
  nb::class_<scatkit::Geometry>(m, "Geometry", "Sizes of a transform, from scatkit::geometry().")
      .def_ro("padded_rows", &scatkit::Geometry::padded_rows)
      .def_ro("padded_cols", &scatkit::Geometry::padded_cols)
      .def_ro("pad_top", &scatkit::Geometry::pad_top)
      .def_ro("pad_left", &scatkit::Geometry::pad_left)
      .def_ro("out_rows", &scatkit::Geometry::out_rows)
      .def_ro("out_cols", &scatkit::Geometry::out_cols)
      .def_ro("num_channels", &scatkit::Geometry::num_channels);
  m.def(
      "geometry",
      [](size_t rows, size_t cols, int J, int L, int max_order, const std::string& invariance,
         int angular_scales) {
        return scatkit::geometry(
            transform_config(rows, cols, J, L, max_order, invariance, angular_scales));
      },
      "rows"_a, "cols"_a, "J"_a, "L"_a = 8, "max_order"_a = 2, "invariance"_a = "translation",
      "angular_scales"_a = 0,
      "Validates (M, N, J, L, max_order) as a Plan would (ValueError with the reason) and "
      "returns the transform's sizes.");
  m.def(
      "channel_table",
      [](size_t rows, size_t cols, int J, int L, int max_order, const std::string& invariance,
         int angular_scales) {
        return meta_table(scatkit::channel_table(transform_config(rows, cols, J, L, max_order,
                                                                  invariance, angular_scales)),
                          invariance != "translation");
      },
      "rows"_a, "cols"_a, "J"_a, "L"_a = 8, "max_order"_a = 2, "invariance"_a = "translation",
      "angular_scales"_a = 0,
      "Channel table of a transform without building it: K x 5 int32 (order, j1, theta1, j2, "
      "theta2; -1 when not applicable).");
  m.def(
      "limits",
      [] {
        const scatkit::Limits lim = scatkit::limits();
        nb::dict d;
        d["max_J"] = lim.max_J;
        d["max_L"] = lim.max_L;
        d["min_side"] = lim.min_side;
        d["max_padded_pixels"] = lim.max_padded_pixels;
        return d;
      },
      "The engine's limits beyond the SPEC's 2**J <= min(M, N): max_J, max_L, min_side, "
      "max_padded_pixels.");
}

}  // namespace

NB_MODULE(_core, m) {
  m.doc() = "scatkit native engine (C++/FFTW, optional CUDA).";
  nb::exception<scatkit::CudaError>(m, "CudaError", PyExc_RuntimeError);
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const scatkit::OutOfMemory& e) {
      PyErr_SetString(PyExc_MemoryError, e.what());
    }
  });

  m.attr("__version__") = scatkit::version();
  m.def("build_info", &scatkit::build_info, "Version, FFTW and CUDA status of this build.");
  m.def("cpu_isa", &scatkit::cpu_isa,
        "Instruction set of the CPU engine variant in use ('avx2' or 'baseline').");
  m.def(
      "_fft_only",
      [](scatkit::Plan& p, size_t batch) {
        nb::gil_scoped_release release;
        p.execute_fft_only(batch);
      },
      "plan"_a, "batch"_a,
      "Benchmark helper: runs only the FFTs a batch of this size needs, on the plan's workspace.");
  m.def("cuda_unavailable_reason", &scatkit::cuda_unavailable_reason,
        "Empty when CUDA plans can run, else the reason they cannot.");
  m.def("padded_size", &scatkit::padded_size, "n"_a, "J"_a);
  m.def("num_channels", static_cast<std::size_t (*)(int, int, int)>(&scatkit::num_channels), "J"_a,
        "L"_a, "max_order"_a);
  bind_geometry(m);

  m.def(
      "filter_bank",
      [](size_t rows, size_t cols, int J, int L) {
        scatkit::FilterBank fb;
        {
          nb::gil_scoped_release release;
          fb = scatkit::make_filter_bank(rows, cols, J, L);
        }
        nb::list psi;
        for (size_t n = 0; n < fb.psi.size(); ++n) {
          nb::list levels;
          for (size_t r = 0; r < fb.psi[n].size(); ++r)
            levels.append(to_numpy(std::move(fb.psi[n][r]), {rows >> r, cols >> r}));
          nb::dict d;
          d["j"] = static_cast<int>(n) / L;
          d["theta"] = static_cast<int>(n) % L;
          d["levels"] = levels;
          psi.append(d);
        }
        nb::list phi;
        for (size_t r = 0; r < fb.phi.size(); ++r)
          phi.append(to_numpy(std::move(fb.phi[r]), {rows >> r, cols >> r}));
        nb::dict out;
        out["psi"] = psi;
        out["phi"] = phi;
        return out;
      },
      "padded_rows"_a, "padded_cols"_a, "J"_a, "L"_a,
      "Fourier filters (float64, unscaled) for a padded grid: {'psi': [{'j', 'theta', 'levels'}], "
      "'phi': [levels]}.");

  nb::class_<scatkit::Plan>(m, "Plan")
      .def(
          "__init__",
          [](scatkit::Plan* self, size_t rows, size_t cols, int J, int L, int max_order,
             const std::string& precision, int threads, const std::string& device, int device_id,
             size_t max_batch, const std::string& lowpass, const std::string& fold,
             const std::string& fft, const std::string& fftw_planner, const std::string& cpu_isa,
             const std::string& invariance, int angular_scales) {
            using namespace scatkit;
            scatkit::Config cfg =
                transform_config(rows, cols, J, L, max_order, invariance, angular_scales);
            cfg.precision = parse_precision(precision);
            cfg.threads = threads;
            cfg.device = parse_device(device);
            cfg.device_id = device_id;
            cfg.max_batch = max_batch;
            cfg.engine.lowpass = parse_switch<Lowpass>(
                "lowpass", lowpass, {{"spatial", Lowpass::Spatial}, {"fourier", Lowpass::Fourier}});
            cfg.engine.fold = parse_switch<Fold>(
                "fold", fold, {{"gathered", Fold::Gathered}, {"streamed", Fold::Streamed}});
            cfg.engine.fft = parse_switch<CpuFft>(
                "fft", fft, {{"split", CpuFft::Split}, {"fftw", CpuFft::Fftw}});
            cfg.engine.fftw_planner =
                parse_switch<FftwPlanner>("fftw_planner", fftw_planner,
                                          {{"estimate", FftwPlanner::Estimate},
                                           {"measure", FftwPlanner::Measure},
                                           {"patient", FftwPlanner::Patient},
                                           {"exhaustive", FftwPlanner::Exhaustive}});
            cfg.engine.cpu_isa = parse_switch<CpuIsa>(
                "cpu_isa", cpu_isa, {{"best", CpuIsa::Best}, {"baseline", CpuIsa::Baseline}});
            nb::gil_scoped_release release;
            new (self) scatkit::Plan(cfg);
          },
          "rows"_a, "cols"_a, "J"_a, "L"_a = 8, "max_order"_a = 2, "precision"_a = "float32",
          "threads"_a = 0, "device"_a = "cpu", "device_id"_a = 0, "max_batch"_a = 0,
          // Engine switches (scatkit::EngineOptions); "auto" takes the environment's default.
          "lowpass"_a = "auto", "fold"_a = "auto", "fft"_a = "auto", "fftw_planner"_a = "auto",
          "cpu_isa"_a = "auto", "invariance"_a = "translation", "angular_scales"_a = 0)
      .def_prop_ro("num_channels", &scatkit::Plan::num_channels)
      .def_prop_ro("out_rows", &scatkit::Plan::out_rows)
      .def_prop_ro("out_cols", &scatkit::Plan::out_cols)
      .def_prop_ro("padded_rows", &scatkit::Plan::padded_rows)
      .def_prop_ro("padded_cols", &scatkit::Plan::padded_cols)
      .def_prop_ro("threads", &scatkit::Plan::threads)
      .def_prop_ro("workspace_bytes", &scatkit::Plan::workspace_bytes)
      .def_prop_ro("precision",
                   [](const scatkit::Plan& p) {
                     return p.config().precision == scatkit::Precision::Float32 ? "float32"
                                                                                : "float64";
                   })
      .def_prop_ro("device",
                   [](const scatkit::Plan& p) {
                     return p.config().device == scatkit::Device::CPU ? "cpu" : "cuda";
                   })
      .def(
          "meta",
          [](const scatkit::Plan& p) {
            return meta_table(p.meta(), p.config().invariance != scatkit::Invariance::Translation);
          },
          "Channel table, K x 5 int32: order, j1, theta1, j2, theta2 (-1 when not applicable).")
      .def(
          "execute",
          [](scatkit::Plan& p,
             nb::ndarray<const float, nb::ndim<3>, nb::c_contig, nb::device::cpu> in,
             nb::ndarray<float, nb::ndim<4>, nb::c_contig, nb::device::cpu> out) {
            execute_checked<float>(p, in, out, 0);
          },
          "x"_a, "out"_a.noconvert())
      .def(
          "execute",
          [](scatkit::Plan& p,
             nb::ndarray<const double, nb::ndim<3>, nb::c_contig, nb::device::cpu> in,
             nb::ndarray<double, nb::ndim<4>, nb::c_contig, nb::device::cpu> out) {
            execute_checked<double>(p, in, out, 0);
          },
          "x"_a, "out"_a.noconvert(),
          "Transforms x (batch, M, N) into out (batch, K, M', N'); C-contiguous host arrays of "
          "the plan's precision. Releases the GIL.")
      .def_prop_ro("device_id", [](const scatkit::Plan& p) { return p.config().device_id; })
      .def(
          "execute",
          [](scatkit::Plan& p,
             nb::ndarray<const float, nb::ndim<3>, nb::c_contig, nb::device::cuda> in,
             nb::ndarray<float, nb::ndim<4>, nb::c_contig, nb::device::cuda> out,
             std::uintptr_t stream) { execute_cuda<float>(p, in, out, stream); },
          "x"_a, "out"_a.noconvert(), "stream"_a = 0)
      .def(
          "execute",
          [](scatkit::Plan& p,
             nb::ndarray<const double, nb::ndim<3>, nb::c_contig, nb::device::cuda> in,
             nb::ndarray<double, nb::ndim<4>, nb::c_contig, nb::device::cuda> out,
             std::uintptr_t stream) { execute_cuda<double>(p, in, out, stream); },
          "x"_a, "out"_a.noconvert(), "stream"_a = 0,
          "CUDA plans: x and out are C-contiguous CUDA arrays (DLPack: PyTorch, CuPy, ...) on the "
          "plan's device; the work is enqueued on stream (a cudaStream_t as an int, 0 = the "
          "default stream) and runs asynchronously like any kernel launch. Host arrays given to "
          "a CUDA plan are copied through device buffers and the call waits for the result.");
}
