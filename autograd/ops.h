// Every differentiable op, by family. The list of ops is autograd/op_list.h.
#pragma once
#include "autograd/ops/attention.h"
#include "autograd/ops/clamp.h"
#include "autograd/ops/conv.h"
#include "autograd/ops/elementwise.h"
#include "autograd/ops/linalg.h"
#include "autograd/ops/nn_functional.h"
#include "autograd/ops/reduce.h"
#include "autograd/ops/shape.h"
