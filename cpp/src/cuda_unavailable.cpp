// Stand-in for the CUDA backend in builds made without CUDA.
#include "backend.hpp"

namespace scatkit {

std::string cuda_unavailable_reason() { return "built without CUDA"; }

namespace detail {
std::unique_ptr<Backend> make_cuda_backend(const Config&, const Schedule&, const FilterBank&) {
  throw CudaError("this build of scatkit has no CUDA backend (built without CUDA); "
                  "use device CPU or rebuild with -DSCATKIT_CUDA=ON.");
}
}  // namespace detail
}  // namespace scatkit
