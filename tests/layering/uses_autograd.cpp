// A source that uses the autograd layer. tests/layering/CMakeLists.txt compiles it twice: as an
// autograd-layer source it builds; as a core-layer source (core's include path) the compiler must
// refuse it, because core may not include the layer above it. Built only by those two tests.
#include "autograd/engine.h"
#include "core/tensor.h"

void uses_autograd(const tg::Tensor& loss) { tg::backward({loss}); }
