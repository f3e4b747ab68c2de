// core/autograd_hooks.h: the Tensor methods that need the tape (backward, reshape, to, clone) go
// through the hooks that the autograd layer installs before main. This binary links autograd, so
// they are installed; with them removed, the methods raise an error naming the missing layer.
#include "core/autograd_hooks.h"
#include "core/creation.h"
#include "test_util.h"

using namespace tg;

namespace {
// Puts the installed hooks back however the test case ends.
struct RestoreHooks {
  const AutogradHooks* hooks;
  ~RestoreHooks() { set_autograd_hooks(hooks); }
};
}  // namespace

TEST_CASE("autograd hooks: installed before main; without them the tape's methods name the missing layer") {
  RestoreHooks restore{&autograd_hooks("test")};  // throws if autograd/tensor_methods.cpp was not linked
  Tensor x = tensor({1, 2, 3, 4}, {2, 2}, {.requires_grad = true});
  Tensor y = x.reshape({4});
  CHECK(y.shape() == Shape{4});
  CHECK(!y.is_leaf());  // recorded on the tape: the hooks are the autograd ops

  set_autograd_hooks(nullptr);
  CHECK_ERROR(x.reshape({4}), "reshape", "autograd layer is not linked");
  CHECK_ERROR(x.to(DType::f64), "to", "autograd layer is not linked");
  CHECK_ERROR(x.clone(), "clone", "autograd layer is not linked");
  CHECK_ERROR(y.backward(ones({4})), "backward", "autograd layer is not linked");
  CHECK(x.to(DType::f32).same(x));  // converting to what it already is needs no tape
  CHECK(x.to(x.device()).same(x));

  set_autograd_hooks(restore.hooks);
  CHECK_CLOSE(x.clone(), {1, 2, 3, 4});
}
