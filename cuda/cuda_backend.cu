// The cuFFT engine, built as the plugin libscatkit_cuda.so (see plugin/cuda_plugin_api.hpp).
//
// One Engine per Plan: every cuFFT plan is made at construction for each chunk size (batched over
// images x angles), all plans share one work area, and the workspace is sized once for max_batch
// images, so execute() only enqueues kernels and FFTs on the caller's stream.
#include <cuda_runtime.h>
#include <cufft.h>
#include <dlfcn.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <string>
#include <vector>

#include "cuda_check.hpp"
#include "cuda_ops.cuh"
#include "cufft_plan.hpp"
#include "kernels.cuh"
#include "pipeline.hpp"
#include "plugin/cuda_plugin_api.hpp"
#include "rotation.hpp"
#include "roto.hpp"

namespace scatkit {
namespace detail {
namespace gpu {
namespace {

constexpr std::size_t kAlign = 256;
// Automatic max_batch: at most this many images, using at most a quarter of the free device
// memory and at most kAutoBudget bytes, so a plan never crowds out the framework it runs beside.
constexpr std::size_t kAutoMaxBatch = 1024;
constexpr std::size_t kAutoBudget = std::size_t{4} << 30;
// Rotation and joint roto-translation plans: bytes of pipeline output (translation output, raw
// layout) one chunk may hold before the pass that makes the final output. Large enough that
// chunks stay large for FFT batching, small beside the pipeline's own workspace.
constexpr std::size_t kRotationBudget = std::size_t{64} << 20;

std::string mib(std::size_t bytes) {
  return std::to_string((bytes + (1u << 20) - 1) >> 20) + " MiB";
}

std::size_t round_up(std::size_t n) { return (n + kAlign - 1) / kAlign * kAlign; }

// Type-erased engine behind the plugin's C table.
class EngineBase {
 public:
  virtual ~EngineBase() = default;
  virtual void execute(const void* in, void* out, std::size_t batch, std::uintptr_t stream) = 0;
  virtual void execute_fft_only(std::size_t batch) = 0;
  virtual std::size_t workspace_bytes() const = 0;
};

template <class T>
class Engine final : public EngineBase {
 public:
  Engine(const Config& cfg, const Schedule& s, const FilterBank& fb)
      : dev_(cfg.device_id),
        s_(s),
        rotation_(cfg.invariance == Invariance::Rotation),
        roto_(make_roto_spec(cfg)),
        staged_(rotation_ || (roto_.variant && roto_.joint)) {
    DeviceGuard guard(dev_);
    const Layout layout = make_layout(s, roto_);
    const std::size_t per_image = layout.bytes_per_image<T>();
    // cuFFT work areas are at most about one grid buffer per image; counted before planning so
    // an impossible max_batch fails with OutOfMemory instead of a cuFFT error.
    const std::size_t estimate = per_image + layout.G * sizeof(Complex<T>);
    std::size_t free_b = 0, total_b = 0;
    SCATKIT_CUDA_CHECK(cudaMemGetInfo(&free_b, &total_b));
    // Channels per image of the pipeline's output and of the plan's.
    const std::size_t raw_ch = roto_.variant ? roto_.channels : s.K;
    const std::size_t plain_img = raw_ch * static_cast<std::size_t>(s.out_rows * s.out_cols);
    out_channels_ = raw_ch;
    std::vector<std::uint32_t> table;
    std::vector<double> taps;
    if (rotation_) {
      RotationTable rot = rotation_table(s);
      out_channels_ = rot.channels;
      table = std::move(rot.data);
    } else if (staged_) {
      RotoOutputTable rto = roto_output_table(roto_, s);
      out_channels_ = rto.channels;
      table = std::move(rto.data);
      taps = std::move(rto.taps);
    }
    if (staged_) {
      // The pipeline's output buffer is made after planning; its most is kept out of the batch
      // budget.
      const std::size_t most = std::max(kRotationBudget, plain_img * sizeof(T));
      free_b -= std::min(
          free_b, most + table.size() * sizeof(std::uint32_t) + taps.size() * sizeof(double));
    }
    batch_ = choose_batch(cfg.max_batch, estimate, free_b);

    pipe_ = std::make_unique<Pipeline<T, CudaOps<T>>>(s, fb, batch_, ops_, roto_);
    chunk_limit_ = batch_;
    if (staged_) {
      // A planned chunk size, so each chunk is one batched pipeline run.
      chunk_limit_ =
          pipe_->next_chunk(rotation_chunk(s, raw_ch, sizeof(T), kRotationBudget, batch_));
      plain_ = DeviceBuffer(chunk_limit_ * plain_img * sizeof(T));
      rot_table_ = DeviceBuffer(table.size() * sizeof(std::uint32_t));
      SCATKIT_CUDA_CHECK(
          cudaMemcpy(rot_table_.get(), table.data(), rot_table_.bytes(), cudaMemcpyHostToDevice));
      taps_ = DeviceBuffer(taps.size() * sizeof(double));
      if (taps_.get())
        SCATKIT_CUDA_CHECK(
            cudaMemcpy(taps_.get(), taps.data(), taps_.bytes(), cudaMemcpyHostToDevice));
    }

    const std::vector<T>& filters = pipe_->host_filters();
    const std::vector<long>& chan = pipe_->host_channels();
    filters_ = DeviceBuffer(filters.size() * sizeof(T));
    chan_ = DeviceBuffer(chan.size() * sizeof(long));
    SCATKIT_CUDA_CHECK(
        cudaMemcpy(filters_.get(), filters.data(), filters_.bytes(), cudaMemcpyHostToDevice));
    SCATKIT_CUDA_CHECK(cudaMemcpy(chan_.get(), chan.data(), chan_.bytes(), cudaMemcpyHostToDevice));
    pipe_->release_host_tables();

    work_ = DeviceBuffer(ops_.work_bytes());
    if (work_.get()) ops_.attach_work_area(work_.get());

    const std::size_t b = batch_;
    std::size_t at = 0;
    auto take = [&](std::size_t bytes) {
      const std::size_t here = at;
      at += round_up(bytes);
      return here;
    };
    const std::size_t oU = take(b * layout.U * sizeof(T));
    const std::size_t oH = take(b * layout.H * sizeof(Complex<T>));
    const std::size_t oG = take(b * layout.G * sizeof(Complex<T>));
    const std::size_t oV1 = take(b * layout.V1h * sizeof(Complex<T>));
    const std::size_t oV2 = take(b * layout.V2h * sizeof(Complex<T>));
    const std::size_t oR = take(b * layout.R * sizeof(Complex<T>));
    ws_ = DeviceBuffer(at);
    char* base = static_cast<char*>(ws_.get());
    views_.U = reinterpret_cast<T*>(base + oU);
    views_.H = reinterpret_cast<Complex<T>*>(base + oH);
    views_.G = reinterpret_cast<Complex<T>*>(base + oG);
    views_.V1h = reinterpret_cast<Complex<T>*>(base + oV1);
    views_.V2h = reinterpret_cast<Complex<T>*>(base + oV2);
    views_.R = reinterpret_cast<Complex<T>*>(base + oR);
    // Zeroed once so FFT-only runs never meet NaNs or denormals left by earlier allocations.
    SCATKIT_CUDA_CHECK(cudaMemset(ws_.get(), 0, ws_.bytes()));
    ops_.set_stream(nullptr);
    done_ = std::make_unique<Event>();
  }

  ~Engine() override {
    // Work of an earlier execute() may still be queued; it must finish before its memory goes.
    try {
      DeviceGuard guard(dev_);
      if (done_) cudaEventSynchronize(done_->get());
      pipe_.reset();
      ws_ = DeviceBuffer();
      work_ = DeviceBuffer();
      filters_ = DeviceBuffer();
      chan_ = DeviceBuffer();
      stage_in_ = DeviceBuffer();
      stage_out_ = DeviceBuffer();
      plain_ = DeviceBuffer();
      rot_table_ = DeviceBuffer();
      taps_ = DeviceBuffer();
      done_.reset();
    } catch (...) {
      // Teardown after a device fault: nothing useful can be done with the error.
    }
  }

  void execute(const void* in_v, void* out_v, std::size_t batch, std::uintptr_t stream) override {
    if (batch == 0) return;
    std::lock_guard<std::mutex> lock(mu_);
    DeviceGuard guard(dev_);
    cudaStream_t st = reinterpret_cast<cudaStream_t>(stream);
    const bool in_dev = on_device(in_v, "input"), out_dev = on_device(out_v, "output");
    const std::size_t in_img = static_cast<std::size_t>(s_.M * s_.N);
    const std::size_t out_img = out_channels_ * static_cast<std::size_t>(s_.out_rows * s_.out_cols);
    // Host arrays go through staging buffers made on first use: the explicit copying path.
    if (!in_dev && !stage_in_.get()) stage_in_ = DeviceBuffer(chunk_limit_ * in_img * sizeof(T));
    if (!out_dev && !stage_out_.get())
      stage_out_ = DeviceBuffer(chunk_limit_ * out_img * sizeof(T));

    // The workspace is shared: wait for the previous execution, whatever stream it ran on.
    SCATKIT_CUDA_CHECK(cudaStreamWaitEvent(st, done_->get(), 0));
    if (st != stream_) {
      ops_.set_stream(st);
      stream_ = st;
    }
    const T* in = static_cast<const T*>(in_v);
    T* out = static_cast<T*>(out_v);
    const T* filters = static_cast<const T*>(filters_.get());
    const long* chan = static_cast<const long*>(chan_.get());
    for (std::size_t done = 0; done < batch;) {
      const std::size_t n = pipe_->next_chunk(std::min(batch - done, chunk_limit_));
      const T* src = in + done * in_img;
      T* dst = out + done * out_img;
      if (!in_dev) {
        SCATKIT_CUDA_CHECK(cudaMemcpyAsync(stage_in_.get(), src, n * in_img * sizeof(T),
                                           cudaMemcpyHostToDevice, st));
        src = static_cast<const T*>(stage_in_.get());
      }
      T* dev_dst = out_dev ? dst : static_cast<T*>(stage_out_.get());
      if (staged_) {
        T* plain = static_cast<T*>(plain_.get());
        const std::uint32_t* table = static_cast<const std::uint32_t*>(rot_table_.get());
        pipe_->run_chunk(ops_, views_, filters, chan, src, plain, n);
        if (rotation_)
          rotation_average(ops_, s_, out_channels_, table, plain, dev_dst, n);
        else
          roto_output(ops_, s_, roto_, out_channels_, table,
                      static_cast<const double*>(taps_.get()), plain, dev_dst, n);
      } else {
        pipe_->run_chunk(ops_, views_, filters, chan, src, dev_dst, n);
      }
      if (!out_dev)
        SCATKIT_CUDA_CHECK(
            cudaMemcpyAsync(dst, dev_dst, n * out_img * sizeof(T), cudaMemcpyDeviceToHost, st));
      done += n;
    }
    SCATKIT_CUDA_CHECK(cudaEventRecord(done_->get(), st));
    if (!in_dev || !out_dev) SCATKIT_CUDA_CHECK(cudaStreamSynchronize(st));
  }

  // FFTs only, on the default stream, synchronised so that host timers measure them.
  void execute_fft_only(std::size_t batch) override {
    if (batch == 0) return;
    std::lock_guard<std::mutex> lock(mu_);
    DeviceGuard guard(dev_);
    cudaStream_t st = nullptr;
    SCATKIT_CUDA_CHECK(cudaStreamWaitEvent(st, done_->get(), 0));
    if (st != stream_) {
      ops_.set_stream(st);
      stream_ = st;
    }
    for (std::size_t done = 0; done < batch;) {
      const std::size_t n = pipe_->next_chunk(std::min(batch - done, chunk_limit_));
      pipe_->run_chunk_fft_only(ops_, views_, n);
      done += n;
    }
    SCATKIT_CUDA_CHECK(cudaEventRecord(done_->get(), st));
    SCATKIT_CUDA_CHECK(cudaStreamSynchronize(st));
  }

  std::size_t workspace_bytes() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return ws_.bytes() + work_.bytes() + filters_.bytes() + chan_.bytes() + stage_in_.bytes() +
           stage_out_.bytes() + plain_.bytes() + rot_table_.bytes() + taps_.bytes();
  }

 private:
  std::size_t choose_batch(std::size_t requested, std::size_t per_image, std::size_t free_b) const {
    const std::string where = "CUDA device " + std::to_string(dev_);
    if (requested > 0) {
      if (requested > free_b / per_image)
        throw OutOfMemory("max_batch=" + std::to_string(requested) + " needs about " +
                          mib(requested > SIZE_MAX / per_image ? SIZE_MAX : requested * per_image) +
                          " of device memory but " + where + " has " + mib(free_b) +
                          " free; use a smaller max_batch, or 0 to choose automatically.");
      return requested;
    }
    if (per_image > free_b)
      throw OutOfMemory("one " + std::to_string(s_.M) + "x" + std::to_string(s_.N) +
                        " image with J=" + std::to_string(s_.J) + ", L=" + std::to_string(s_.L) +
                        " needs about " + mib(per_image) + " of device memory but " + where +
                        " has " + mib(free_b) + " free.");
    const std::size_t budget = std::min(free_b / 4, kAutoBudget);
    std::size_t b = std::min(std::max<std::size_t>(1, budget / per_image), kAutoMaxBatch);
    std::size_t p = 1;
    while (p * 2 <= b) p *= 2;
    return p;
  }

  // Whether p can be read by kernels on this plan's device; host memory is staged instead.
  bool on_device(const void* p, const char* what) const {
    cudaPointerAttributes a{};
    SCATKIT_CUDA_CHECK(cudaPointerGetAttributes(&a, p));
    if (a.type == cudaMemoryTypeDevice) {
      if (a.device != dev_)
        throw InvalidArgument(std::string("the ") + what + " array is on CUDA device " +
                              std::to_string(a.device) + " but this plan was built for device " +
                              std::to_string(dev_) + ".");
      return true;
    }
    return a.type == cudaMemoryTypeManaged;
  }

  int dev_;
  Schedule s_;
  bool rotation_;
  RotoSpec roto_;                 // roto-translation variants: the pipeline's raw layout
  bool staged_;                   // a device pass turns the pipeline's output into the plan's
  std::size_t out_channels_ = 0;  // channels per image of the plan's output
  std::size_t batch_ = 1;
  std::size_t chunk_limit_ = 1;  // images per pipeline run: batch_, or less for staged plans
  CudaOps<T> ops_;
  std::unique_ptr<Pipeline<T, CudaOps<T>>> pipe_;
  DeviceBuffer ws_, work_, filters_, chan_, stage_in_, stage_out_;
  // Staged plans: the pipeline's output of a chunk, the final pass's table (and taps).
  DeviceBuffer plain_, rot_table_, taps_;
  Views<T> views_{};
  std::unique_ptr<Event> done_;
  cudaStream_t stream_ = nullptr;
  mutable std::mutex mu_;
};

void write_message(char* msg, std::size_t cap, const std::string& text) {
  if (msg == nullptr || cap == 0) return;
  const std::size_t n = std::min(cap - 1, text.size());
  std::memcpy(msg, text.data(), n);
  msg[n] = '\0';
}

// Runs f, turning every exception into a status code and message: none may cross the C table.
template <class F>
int guarded(char* msg, std::size_t cap, F&& f) {
  try {
    f();
    write_message(msg, cap, "");
    return SCATKIT_CUDA_OK;
  } catch (const OutOfMemory& e) {
    write_message(msg, cap, e.what());
    return SCATKIT_CUDA_OUT_OF_MEMORY;
  } catch (const std::bad_alloc&) {
    write_message(msg, cap, "out of host memory while setting up the CUDA plan.");
    return SCATKIT_CUDA_OUT_OF_MEMORY;
  } catch (const InvalidArgument& e) {
    write_message(msg, cap, e.what());
    return SCATKIT_CUDA_INVALID_ARGUMENT;
  } catch (const std::exception& e) {
    write_message(msg, cap, e.what());
    return SCATKIT_CUDA_ERROR;
  } catch (...) {
    write_message(msg, cap, "unknown error in the scatkit CUDA plugin.");
    return SCATKIT_CUDA_ERROR;
  }
}

std::string device_reason() {
  // Without the driver library the runtime reports "driver version is insufficient", which
  // misleads; say what is actually missing.
  if (dlopen("libcuda.so.1", RTLD_LAZY | RTLD_LOCAL) == nullptr)
    return "no CUDA device visible (no NVIDIA driver: libcuda.so.1 cannot be loaded)";
  int count = 0;
  const cudaError_t e = cudaGetDeviceCount(&count);
  if (e != cudaSuccess) {
    cudaGetLastError();
    return std::string("no CUDA device visible (cudaGetDeviceCount: ") + cudaGetErrorName(e) +
           ": " + cudaGetErrorString(e) + ")";
  }
  return count > 0 ? "" : "no CUDA device visible";
}

void api_unavailable_reason(char* msg, std::size_t cap) {
  try {
    write_message(msg, cap, device_reason());
  } catch (...) {
    write_message(msg, cap, "no CUDA device visible (querying the CUDA runtime failed)");
  }
}

int api_create(const Config* cfg, const Schedule* s, const FilterBank* fb, void** handle, char* msg,
               std::size_t cap) {
  return guarded(msg, cap, [&] {
    *handle = nullptr;
    const std::string why = device_reason();
    if (!why.empty()) throw CudaError("cannot build a CUDA plan: " + why + ".");
    int count = 0;
    SCATKIT_CUDA_CHECK(cudaGetDeviceCount(&count));
    if (cfg->device_id >= count)
      throw InvalidArgument("device_id=" + std::to_string(cfg->device_id) + " but only " +
                            std::to_string(count) + " CUDA device" +
                            (count == 1 ? " is" : "s are") + " visible (ids 0.." +
                            std::to_string(count - 1) + ").");
    std::unique_ptr<EngineBase> e;
    if (cfg->precision == Precision::Float64)
      e = std::make_unique<Engine<double>>(*cfg, *s, *fb);
    else
      e = std::make_unique<Engine<float>>(*cfg, *s, *fb);
    *handle = e.release();
  });
}

int api_execute(void* handle, const void* in, void* out, std::size_t batch, std::uintptr_t stream,
                char* msg, std::size_t cap) {
  return guarded(msg, cap,
                 [&] { static_cast<EngineBase*>(handle)->execute(in, out, batch, stream); });
}

int api_execute_fft_only(void* handle, std::size_t batch, char* msg, std::size_t cap) {
  return guarded(msg, cap, [&] { static_cast<EngineBase*>(handle)->execute_fft_only(batch); });
}

std::size_t api_workspace_bytes(const void* handle) {
  return static_cast<const EngineBase*>(handle)->workspace_bytes();
}

void api_destroy(void* handle) { delete static_cast<EngineBase*>(handle); }

}  // namespace
}  // namespace gpu
}  // namespace detail
}  // namespace scatkit

/// The plugin's only exported symbol: its table of entry points.
extern "C" __attribute__((visibility("default"))) const ScatkitCudaPluginApi*
scatkit_cuda_plugin_api(void) {
  namespace g = scatkit::detail::gpu;
  static const ScatkitCudaPluginApi api = {
      SCATKIT_CUDA_PLUGIN_ABI,
      SCATKIT_VERSION_STRING,
      sizeof(scatkit::Config),
      sizeof(scatkit::detail::Schedule),
      sizeof(scatkit::FilterBank),
      &g::api_unavailable_reason,
      &g::api_create,
      &g::api_execute,
      &g::api_execute_fft_only,
      &g::api_workspace_bytes,
      &g::api_destroy,
  };
  return &api;
}
