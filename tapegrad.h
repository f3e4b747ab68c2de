// tapegrad: the public headers in one include.
#pragma once
#include "autograd/engine.h"
#include "autograd/gradcheck.h"
#include "autograd/grad_mode.h"
#include "autograd/distributions.h"
#include "autograd/op_list.h"
#include "autograd/ops.h"
#include "core/creation.h"
#include "core/random.h"
#include "core/tensor.h"
