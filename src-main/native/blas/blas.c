/*
 * fa_lab_blas: single-precision matrix products through the machine's CBLAS (OpenBLAS on Linux,
 * Accelerate on macOS), and the fused elementwise passes of a training step, exposed to JavaScript
 * with Node-API so one build loads in Node and in Electron alike. Each function is documented once,
 * in src-main/engine/blas.ts (BlasAddon); the init table at the end names them for Node. Arrays are
 * row-major and may be views into WebAssembly memory: every kernel reads and writes them in place.
 * The convolution passes take NHWC images and a geometry, an Int32Array [batch, height, width,
 * channels, kernelHeight, kernelWidth, strideHeight, strideWidth, padTop, padLeft, outHeight, outWidth].
 */
#include <node_api.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <math.h>
#include <time.h>
#include <pthread.h>

#include <stdlib.h>

#ifdef __APPLE__
#include <Accelerate/Accelerate.h>
#else
#include <cblas.h>
/* LAPACK's symmetric eigensolver (OpenBLAS carries LAPACK) */
extern void dsyev_(const char *jobz, const char *uplo, const int *n, double *a, const int *lda, double *w, double *work,
                   const int *lwork, int *info);
#endif

#define CHECK(call)                                                        \
  do {                                                                     \
    if ((call) != napi_ok) {                                               \
      napi_throw_error(env, NULL, "fa_lab_blas: Node-API call failed");    \
      return NULL;                                                         \
    }                                                                      \
  } while (0)

static float *float_array(napi_env env, napi_value value, size_t *length, const char *name) {
  bool is_typed = false;
  napi_typedarray_type type;
  void *data = NULL;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) goto fail;
  if (napi_get_typedarray_info(env, value, &type, length, &data, NULL, NULL) != napi_ok) goto fail;
  if (type != napi_float32_array) goto fail;
  /* an empty array may have no storage at all: a valid pointer that is never read */
  static float empty;
  return data ? (float *)data : &empty;
fail : {
  char message[96];
  snprintf(message, sizeof message, "fa_lab_blas: %s must be a Float32Array", name);
  napi_throw_type_error(env, NULL, message);
  return NULL;
}
}

static float *optional_float_array(napi_env env, napi_value value, size_t *length, const char *name) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) == napi_ok && (type == napi_null || type == napi_undefined)) {
    *length = 0;
    return NULL;
  }
  return float_array(env, value, length, name);
}

static bool is_null(napi_env env, napi_value value) {
  napi_valuetype type;
  return napi_typeof(env, value, &type) == napi_ok && (type == napi_null || type == napi_undefined);
}

static void range_error(napi_env env, const char *function) {
  char message[128];
  snprintf(message, sizeof message, "fa_lab_blas: %s: array sizes do not match the dimensions", function);
  napi_throw_range_error(env, NULL, message);
}

/* Reads argv[i] as int32 / double / bool into the named variable, or returns NULL with an error. */
#define INT_ARG(i, name) int32_t name; CHECK(napi_get_value_int32(env, argv[i], &name))
#define DOUBLE_ARG(i, name) double name; CHECK(napi_get_value_double(env, argv[i], &name))
#define FLOATS_ARG(i, name) size_t name##_length; float *name = float_array(env, argv[i], &name##_length, #name); if (!name) return NULL
#define OPTIONAL_FLOATS_ARG(i, name) size_t name##_length = 0; float *name = NULL; \
  if (!is_null(env, argv[i])) { name = float_array(env, argv[i], &name##_length, #name); if (!name) return NULL; }
#define ARGS(count, usage)                                                          \
  size_t argc = count;                                                              \
  napi_value argv[count];                                                           \
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));                      \
  if (argc < count) {                                                               \
    napi_throw_error(env, NULL, "fa_lab_blas: " usage);                             \
    return NULL;                                                                    \
  }

/* Time in sgemm, per thread: each worker thread of a pool counts its own products. */
static _Thread_local double sgemm_seconds = 0;
static _Thread_local double sgemm_calls = 0;

static double now_seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static napi_value sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 10;
  napi_value argv[10];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 8 && argc != 10) {
    napi_throw_error(env, NULL, "fa_lab_blas: sgemm(transposeA, transposeB, m, n, k, a, b, c[, alpha, beta])");
    return NULL;
  }
  bool ta, tb;
  int32_t m, n, k;
  double alpha = 1, beta = 0;
  CHECK(napi_get_value_bool(env, argv[0], &ta));
  CHECK(napi_get_value_bool(env, argv[1], &tb));
  CHECK(napi_get_value_int32(env, argv[2], &m));
  CHECK(napi_get_value_int32(env, argv[3], &n));
  CHECK(napi_get_value_int32(env, argv[4], &k));
  if (argc == 10) {
    CHECK(napi_get_value_double(env, argv[8], &alpha));
    CHECK(napi_get_value_double(env, argv[9], &beta));
  }
  size_t la, lb, lc;
  float *a = float_array(env, argv[5], &la, "a");
  if (!a) return NULL;
  float *b = float_array(env, argv[6], &lb, "b");
  if (!b) return NULL;
  float *c = float_array(env, argv[7], &lc, "c");
  if (!c) return NULL;
  if (m <= 0 || n <= 0 || k <= 0 || la < (size_t)m * k || lb < (size_t)k * n || lc < (size_t)m * n) {
    napi_throw_range_error(env, NULL, "fa_lab_blas: array sizes do not match m, n, k");
    return NULL;
  }
  double started = now_seconds();
  if (n == 1 || m == 1) {
    /* A matrix times a vector (the output layer of a one-output net, its update): sgemv, which
       OpenBLAS runs several times faster than sgemm on these shapes. op(b) (n = 1) or op(a)
       (m = 1) is then a contiguous vector of length k whichever way it is stored. beta = 0 must
       not read c (it may hold anything), so c is zeroed first rather than scaled by 0. */
    if (beta == 0) memset(c, 0, sizeof(float) * (size_t)m * n);
    if (n == 1)
      /* c [m] = alpha · op(a) [m, k] · b [k] */
      cblas_sgemv(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, ta ? k : m, ta ? m : k, (float)alpha, a, ta ? m : k, b, 1,
                  (float)beta, c, 1);
    else
      /* c [n] = alpha · op(b)ᵀ [n, k] · a [k] */
      cblas_sgemv(CblasRowMajor, tb ? CblasNoTrans : CblasTrans, tb ? n : k, tb ? k : n, (float)alpha, b, tb ? k : n, a, 1,
                  (float)beta, c, 1);
  } else
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, (float)alpha, a,
                ta ? m : k, b, tb ? k : n, (float)beta, c, n);
  sgemm_seconds += now_seconds() - started;
  sgemm_calls += 1;
  return NULL;
}

static napi_value sgemm_time(napi_env env, napi_callback_info info) {
  napi_value result, seconds, calls;
  CHECK(napi_create_object(env, &result));
  CHECK(napi_create_double(env, sgemm_seconds, &seconds));
  CHECK(napi_create_double(env, sgemm_calls, &calls));
  CHECK(napi_set_named_property(env, result, "seconds", seconds));
  CHECK(napi_set_named_property(env, result, "calls", calls));
  return result;
}

static napi_value reset_sgemm_time(napi_env env, napi_callback_info info) {
  sgemm_seconds = 0;
  sgemm_calls = 0;
  return NULL;
}

enum { LINEAR = 0, RELU = 1, TANH = 2, SIGMOID = 3 };

/* e^x in double for |x| ≤ 700, written without calls or branches so that the passes below
   vectorise: x = k·ln 2 + r with |r| ≤ ln 2 / 2 (ln 2 in two parts, so r is exact to double
   precision), e^r by its Taylor series to r¹¹ (truncated below 3·10⁻¹³, relative), and 2^k built
   from its exponent bits (k is read off the rounding constant's low mantissa bits). */
static inline double exp_double(double x) {
  const double shifter = 0x1.8p52;
  double kd = x * 1.4426950408889634 + shifter;
  double k = kd - shifter;
  double r = (x - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10;
  double p = 1.0 / 39916800;
  p = p * r + 1.0 / 3628800;
  p = p * r + 1.0 / 362880;
  p = p * r + 1.0 / 40320;
  p = p * r + 1.0 / 5040;
  p = p * r + 1.0 / 720;
  p = p * r + 1.0 / 120;
  p = p * r + 1.0 / 24;
  p = p * r + 1.0 / 6;
  p = p * r + 0.5;
  p = p * r + 1.0;
  p = p * r + 1.0;
  int64_t bits;
  memcpy(&bits, &kd, sizeof bits);
  int64_t scaleBits = (bits - (int64_t)0x4338000000000000 + 1023) << 52;
  double scale;
  memcpy(&scale, &scaleBits, sizeof scale);
  return p * scale;
}

/* tanh rounded to float within one ulp, at a fraction of glibc tanhf's cost (which took 70% of a
   wide tanh net's step, more than its products): (1 − e)/(1 + e) with e = e^(−2|x|) in double,
   where the subtraction loses nothing a float result keeps; x − x³/3 below 2⁻¹² (the next term is
   under a float's precision); |x| is capped at 9.5, beyond which tanh rounds to 1 anyway. −0 and
   NaN come back as they are. */
static inline float tanh_float(float x) {
  float ax = fabsf(x);
  double e = exp_double(-2.0 * (double)(ax < 9.5f ? ax : 9.5f));
  float t = copysignf((float)((1.0 - e) / (1.0 + e)), x);
  float small = ax == 0 ? x : x - x * x * x / 3.0f;
  float y = ax < 0x1p-12f ? small : t;
  return x == x ? y : x;
}

/* 1 / (1 + e^(−x)) in double, rounded to float (within one ulp); x capped at ±700, far beyond where
   the result rounds to 0 or 1. NaN stays NaN. */
static inline float sigmoid_float(float x) {
  double t = x < -700.0f ? -700.0 : (x > 700.0f ? 700.0 : (double)x);
  double e = exp_double(-t);
  float y = (float)(1.0 / (1.0 + e));
  return x == x ? y : x;
}

/* The elementwise passes are compiled twice on x86-64 Linux (GCC), for AVX2 and for the baseline
   SSE2, the loader picking the one the CPU runs: they are memory passes that AVX2 does in half the
   time. Both compile the same operations (no FMA contraction: -ffp-contract=off), so the results
   are the same bit for bit. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && defined(__GLIBC__)
#define VECTOR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define VECTOR_CLONES
#endif

static VECTOR_CLONES void activate_rows(int32_t kind, float *a, const float *bias, int32_t rows, int32_t cols) {
  for (int32_t i = 0; i < rows; i++) {
    float *row = a + (size_t)i * cols;
    if (bias)
      for (int32_t j = 0; j < cols; j++) row[j] += bias[j];
    switch (kind) {
      case RELU:
        for (int32_t j = 0; j < cols; j++) row[j] = row[j] > 0 ? row[j] : (row[j] == row[j] ? 0.0f : row[j]);
        break;
      case TANH:
        for (int32_t j = 0; j < cols; j++) row[j] = tanh_float(row[j]);
        break;
      case SIGMOID:
        for (int32_t j = 0; j < cols; j++) row[j] = sigmoid_float(row[j]);
        break;
      default:
        break;
    }
  }
}

static VECTOR_CLONES void gate_pass(int32_t kind, float *eps, const float *h, size_t size) {
  switch (kind) {
    case RELU:
      /* ψ'(a) = step(a) and h > 0 exactly where a > 0; NaN stays NaN as in tf.step. Written
         without branches (every value computed, then selected) so that the compiler vectorises
         it (GCC needs binding.gyp's -fno-trapping-math for that): with a branch per element, the
         random signs of a hidden layer cost a mispredicted branch every other element, which
         made this pass as slow as the step's largest product. */
      for (size_t i = 0; i < size; i++) {
        float e = eps[i], x = h[i];
        float zeroed = 0.0f * e;
        float kept = x > 0 ? e : zeroed;
        eps[i] = x == x ? kept : x;
      }
      break;
    case TANH:
      for (size_t i = 0; i < size; i++) eps[i] *= 1.0f - h[i] * h[i];
      break;
    case SIGMOID:
      for (size_t i = 0; i < size; i++) eps[i] *= h[i] * (1.0f - h[i]);
      break;
    default:
      break;
  }
}

static napi_value activate(napi_env env, napi_callback_info info) {
  ARGS(5, "activate(kind, a, bias, rows, cols)")
  INT_ARG(0, kind);
  FLOATS_ARG(1, a);
  OPTIONAL_FLOATS_ARG(2, bias);
  INT_ARG(3, rows);
  INT_ARG(4, cols);
  if (rows < 0 || cols < 0 || a_length < (size_t)rows * cols || (bias && bias_length < (size_t)cols)) {
    range_error(env, "activate");
    return NULL;
  }
  activate_rows(kind, a, bias, rows, cols);
  return NULL;
}

static napi_value gate(napi_env env, napi_callback_info info) {
  ARGS(5, "gate(kind, eps, h, rows, cols)")
  INT_ARG(0, kind);
  FLOATS_ARG(1, eps);
  FLOATS_ARG(2, h);
  INT_ARG(3, rows);
  INT_ARG(4, cols);
  size_t size = (size_t)rows * cols;
  if (rows < 0 || cols < 0 || eps_length < size || h_length < size) {
    range_error(env, "gate");
    return NULL;
  }
  gate_pass(kind, eps, h, size);
  return NULL;
}

static napi_value loss_error(napi_env env, napi_callback_info info) {
  ARGS(6, "lossError(kind, out, target, rows, cols, error)")
  INT_ARG(0, kind);
  FLOATS_ARG(1, out);
  FLOATS_ARG(2, target);
  INT_ARG(3, rows);
  INT_ARG(4, cols);
  FLOATS_ARG(5, error);
  size_t size = (size_t)rows * cols;
  if (rows <= 0 || cols <= 0 || out_length < size || target_length < size || error_length < size) {
    range_error(env, "lossError");
    return NULL;
  }
  double total = 0;
  if (kind == 0) {
    float scale = 2.0f / (float)size;
    for (size_t i = 0; i < size; i++) {
      float diff = out[i] - target[i];
      total += (double)diff * diff;
      error[i] = diff * scale;
    }
    total /= (double)size;
  } else {
    float scale = 1.0f / (float)rows;
    for (int32_t i = 0; i < rows; i++) {
      const float *o = out + (size_t)i * cols;
      const float *t = target + (size_t)i * cols;
      float *e = error + (size_t)i * cols;
      float top = o[0];
      for (int32_t j = 1; j < cols; j++) top = o[j] > top ? o[j] : top;
      double sum = 0;
      for (int32_t j = 0; j < cols; j++) sum += exp((double)o[j] - top);
      double logSum = log(sum) + top;
      for (int32_t j = 0; j < cols; j++) {
        double logProbability = (double)o[j] - logSum;
        total -= (double)t[j] * logProbability;
        e[j] = ((float)exp(logProbability) - t[j]) * scale;
      }
    }
    total /= (double)rows;
  }
  napi_value result;
  CHECK(napi_create_double(env, total, &result));
  return result;
}

static napi_value bias_update(napi_env env, napi_callback_info info) {
  ARGS(7, "biasUpdate(delta, rows, cols, b, learningRate, momentum, velocity)")
  FLOATS_ARG(0, delta);
  INT_ARG(1, rows);
  INT_ARG(2, cols);
  FLOATS_ARG(3, b);
  DOUBLE_ARG(4, rate);
  DOUBLE_ARG(5, momentum);
  OPTIONAL_FLOATS_ARG(6, velocity);
  if (rows < 0 || cols <= 0 || delta_length < (size_t)rows * cols || b_length < (size_t)cols ||
      (velocity && velocity_length < (size_t)cols)) {
    range_error(env, "biasUpdate");
    return NULL;
  }
  for (int32_t j = 0; j < cols; j++) {
    float sum = 0;
    for (int32_t i = 0; i < rows; i++) sum += delta[(size_t)i * cols + j];
    if (velocity) {
      velocity[j] = velocity[j] * (float)momentum + sum;
      sum = velocity[j];
    }
    b[j] -= sum * (float)rate;
  }
  return NULL;
}

static napi_value axpby(napi_env env, napi_callback_info info) {
  ARGS(4, "axpby(alpha, x, beta, y)")
  DOUBLE_ARG(0, alpha);
  FLOATS_ARG(1, x);
  DOUBLE_ARG(2, beta);
  FLOATS_ARG(3, y);
  if (x_length != y_length) {
    range_error(env, "axpby");
    return NULL;
  }
  float a = (float)alpha, b = (float)beta;
  for (size_t i = 0; i < y_length; i++) y[i] = a * x[i] + b * y[i];
  return NULL;
}

static napi_value sign_of(napi_env env, napi_callback_info info) {
  ARGS(3, "signOf(w, magnitude, out)")
  FLOATS_ARG(0, w);
  OPTIONAL_FLOATS_ARG(1, magnitude);
  FLOATS_ARG(2, out);
  if (out_length != w_length || (magnitude && magnitude_length != w_length)) {
    range_error(env, "signOf");
    return NULL;
  }
  for (size_t i = 0; i < w_length; i++) {
    float s = w[i] > 0 ? 1.0f : (w[i] < 0 ? -1.0f : 0.0f);
    out[i] = magnitude ? s * magnitude[i] : s;
  }
  return NULL;
}

static napi_value gather_rows(napi_env env, napi_callback_info info) {
  ARGS(6, "gatherRows(source, cols, indices, start, count, out)")
  FLOATS_ARG(0, source);
  INT_ARG(1, cols);
  bool is_typed = false;
  napi_typedarray_type type;
  size_t index_length = 0;
  void *index_data = NULL;
  if (napi_is_typedarray(env, argv[2], &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, argv[2], &type, &index_length, &index_data, NULL, NULL) != napi_ok ||
      type != napi_int32_array) {
    napi_throw_type_error(env, NULL, "fa_lab_blas: indices must be an Int32Array");
    return NULL;
  }
  const int32_t *indices = (const int32_t *)index_data;
  INT_ARG(3, start);
  INT_ARG(4, count);
  FLOATS_ARG(5, out);
  if (cols <= 0 || start < 0 || count < 0 || (size_t)start + count > index_length || out_length < (size_t)count * cols) {
    range_error(env, "gatherRows");
    return NULL;
  }
  size_t sourceRows = source_length / (size_t)cols;
  for (int32_t i = 0; i < count; i++) {
    int32_t row = indices[start + i];
    if (row < 0 || (size_t)row >= sourceRows) {
      napi_throw_range_error(env, NULL, "fa_lab_blas: gatherRows: an index is out of range");
      return NULL;
    }
    memcpy(out + (size_t)i * cols, source + (size_t)row * cols, sizeof(float) * (size_t)cols);
  }
  return NULL;
}

static napi_value dot_norms(napi_env env, napi_callback_info info) {
  ARGS(2, "dotNorms(a, b)")
  FLOATS_ARG(0, a);
  FLOATS_ARG(1, b);
  if (a_length != b_length) {
    range_error(env, "dotNorms");
    return NULL;
  }
  double dot = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a_length; i++) {
    dot += (double)a[i] * b[i];
    aa += (double)a[i] * a[i];
    bb += (double)b[i] * b[i];
  }
  napi_value result, value;
  CHECK(napi_create_array_with_length(env, 3, &result));
  double values[3] = {dot, aa, bb};
  for (uint32_t i = 0; i < 3; i++) {
    CHECK(napi_create_double(env, values[i], &value));
    CHECK(napi_set_element(env, result, i, value));
  }
  return result;
}

static napi_value row_cosines(napi_env env, napi_callback_info info) {
  ARGS(5, "rowCosines(a, b, rows, cols, out)")
  FLOATS_ARG(0, a);
  FLOATS_ARG(1, b);
  INT_ARG(2, rows);
  INT_ARG(3, cols);
  FLOATS_ARG(4, out);
  size_t size = (size_t)rows * cols;
  if (rows < 0 || cols <= 0 || a_length < size || b_length < size || out_length < (size_t)rows) {
    range_error(env, "rowCosines");
    return NULL;
  }
  for (int32_t i = 0; i < rows; i++) {
    const float *x = a + (size_t)i * cols, *y = b + (size_t)i * cols;
    double dot = 0, xx = 0, yy = 0;
    for (int32_t j = 0; j < cols; j++) {
      dot += (double)x[j] * y[j];
      xx += (double)x[j] * x[j];
      yy += (double)y[j] * y[j];
    }
    out[i] = xx > 0 && yy > 0 ? (float)(dot / sqrt(xx * yy)) : NAN;
  }
  return NULL;
}

static napi_value row_argmax_hits(napi_env env, napi_callback_info info) {
  ARGS(4, "rowArgmaxHits(out, labels, rows, cols)")
  FLOATS_ARG(0, out);
  FLOATS_ARG(1, labels);
  INT_ARG(2, rows);
  INT_ARG(3, cols);
  if (rows < 0 || cols <= 0 || out_length < (size_t)rows * cols || labels_length < (size_t)rows) {
    range_error(env, "rowArgmaxHits");
    return NULL;
  }
  int32_t hits = 0;
  for (int32_t i = 0; i < rows; i++) {
    const float *o = out + (size_t)i * cols;
    int32_t predicted = 0;
    if (cols == 1) predicted = o[0] > 0 ? 1 : 0;
    else
      for (int32_t j = 1; j < cols; j++)
        if (o[j] > o[predicted]) predicted = j;
    if ((float)predicted == labels[i]) hits++;
  }
  napi_value result;
  CHECK(napi_create_int32(env, hits, &result));
  return result;
}

typedef float float8 __attribute__((vector_size(32), aligned(4)));

/* The sparse product's blocking. Each pass reads the panel rows of one range of k (at most
   SPARSE_RANGE_ROWS rows: 200 rows of a 64-column panel are 50 KB, about what the L1 cache holds,
   and fewer are touched; a whole panel of 784 rows is not, and every entry then waited on the L2
   cache), while a block of SPARSE_ROW_BLOCK rows of a gathers from them, each row's sum so far kept
   in a small buffer [SPARSE_ROW_BLOCK, panel width] until the last range adds it into c. On MNIST
   batches (600 rows, 784 pixels, a fifth of them set) this made the forward product and the update
   1.2–1.7× faster than whole panels of 32 columns (CPU time, measured on a busy machine). The
   ranges depend on k alone, never on the vector width or the thread count, so every build and
   every thread split gives the same bits. */
#define SPARSE_RANGE_ROWS 200
#define SPARSE_ROW_BLOCK 256
#define SPARSE_WIDEST 64

static int32_t sparse_ranges(int32_t k) { return k <= 0 ? 1 : (k + SPARSE_RANGE_ROWS - 1) / SPARSE_RANGE_ROWS; }

/* One pass over rows [i0, i1) of a panel of c's columns, j0 … j0 + count·lanes, with vectors of
   `lanes` floats (VECTOR): row i's entries [starts[i], ends[i]) (those of one range of k) are
   gathered from the panel into two partial sums per column (even and odd entries, to keep the adds
   independent). The range's sum is added to the earlier ranges' in `partial` (prior), and the last
   range writes c = alpha · (sum + add) + beta · c (beta 0 never reads c). Each lane does the same
   operations in the same order whatever the vector width, so every build gives the same bits. */
#define SPARSE_PANEL(VECTOR, lanes, count)                                                                        \
  for (int32_t i = i0; i < i1; i++) {                                                                             \
    VECTOR even[count] = {0}, odd[count] = {0};                                                                   \
    int32_t p = starts[i], end = ends[i];                                                                         \
    for (; p + 1 < end; p += 2) {                                                                                 \
      const float *r = panel + (size_t)indices[p] * (lanes * count), *s = panel + (size_t)indices[p + 1] * (lanes * count); \
      float v = values[p], u = values[p + 1];                                                                     \
      for (int q = 0; q < count; q++) {                                                                           \
        even[q] += v * *(const VECTOR *)(r + lanes * q);                                                          \
        odd[q] += u * *(const VECTOR *)(s + lanes * q);                                                           \
      }                                                                                                           \
    }                                                                                                             \
    if (p < end) {                                                                                                \
      const float *r = panel + (size_t)indices[p] * (lanes * count);                                              \
      float v = values[p];                                                                                        \
      for (int q = 0; q < count; q++) even[q] += v * *(const VECTOR *)(r + lanes * q);                            \
    }                                                                                                             \
    float *part = partial + (size_t)(i - i0) * (lanes * count);                                                   \
    float *row = c + (size_t)i * n + j0;                                                                          \
    for (int q = 0; q < count; q++) {                                                                             \
      VECTOR sum = even[q] + odd[q];                                                                              \
      if (prior) sum = *(const VECTOR *)(part + lanes * q) + sum;                                                 \
      if (!last) {                                                                                                \
        *(VECTOR *)(part + lanes * q) = sum;                                                                      \
        continue;                                                                                                 \
      }                                                                                                           \
      if (add) sum += *(const VECTOR *)(add + j0 + lanes * q);                                                    \
      if (beta != 0)                                                                                              \
        *(VECTOR *)(row + lanes * q) = alpha * sum + beta * *(const VECTOR *)(row + lanes * q);                   \
      else                                                                                                        \
        *(VECTOR *)(row + lanes * q) = alpha * sum;                                                               \
    }                                                                                                             \
  }

/* Copies columns j0 … j0 + width of b [k, n] into the contiguous panel [k, width]. */
static void pack_panel(const float *b, int32_t k, int32_t n, int32_t j0, int32_t width, float *panel) {
  for (int32_t r = 0; r < k; r++) memcpy(panel + (size_t)r * width, b + (size_t)r * n + j0, sizeof(float) * width);
}

#define SPARSE_ARGS                                                                                                \
  int32_t i0, int32_t i1, int32_t n, int32_t j0, const int32_t *starts, const int32_t *ends, const int32_t *indices,   \
      const float *values, const float *panel, float *partial, bool prior, bool last, float *c, float alpha,         \
      const float *add, float beta

/* 32 columns as four 8-float vectors (AVX2 where the CPU has it, else SSE2 pairs) */
static VECTOR_CLONES void sparse_panel_32(SPARSE_ARGS) { SPARSE_PANEL(float8, 8, 4) }
/* the 8-column tail panel */
static VECTOR_CLONES void sparse_panel_8(SPARSE_ARGS) { SPARSE_PANEL(float8, 8, 1) }

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define HAVE_AVX512_PANEL 1
typedef float float16 __attribute__((vector_size(64), aligned(4)));
/* 64 columns as four 16-float vectors, on an AVX-512 CPU: each entry's index and value are read
   once for twice the columns of the AVX2 panel */
static __attribute__((target("avx512f"))) void sparse_panel_64_avx512(SPARSE_ARGS) { SPARSE_PANEL(float16, 16, 4) }
#endif

typedef void (*sparse_panel_kernel)(SPARSE_ARGS);

/* Every range's pass over one panel of `width` columns at j0, a block of rows at a time. */
static void sparse_panel_passes(sparse_panel_kernel kernel, int32_t width, int32_t m, int32_t k, int32_t n, int32_t j0,
                                int32_t ranges, const int32_t *splits, const int32_t *indices, const float *values,
                                const float *b, float *c, float alpha, const float *add, float beta, float *panel, float *partial) {
  pack_panel(b, k, n, j0, width, panel);
  for (int32_t i0 = 0; i0 < m; i0 += SPARSE_ROW_BLOCK) {
    int32_t i1 = m - i0 < SPARSE_ROW_BLOCK ? m : i0 + SPARSE_ROW_BLOCK;
    for (int32_t r = 0; r < ranges; r++)
      kernel(i0, i1, n, j0, splits + (size_t)r * m, splits + (size_t)(r + 1) * m, indices, values, panel, partial, r > 0,
             r == ranges - 1, c, alpha, add, beta);
  }
}

/* A sparse matrix (CSR: row i's entries are values[offsets[i]..offsets[i+1]) at columns
   indices[…]) times a dense one, for inputs that are mostly one background value (MNIST's
   normalised zero pixels: four entries in five). c [m, n] = alpha · (a [m, k] · b [k, n] + 1 · addᵀ) + beta · c,
   add [n] or none. b is copied a panel of columns at a time into a contiguous buffer (in b's own
   row-major layout a panel's rows are n floats apart, which for n = 1000 or 1024 puts them in a
   handful of cache sets and made this slower than the dense product); each row of c then gathers
   its entries' panel rows, one range of k at a time (SPARSE_RANGE_ROWS). `splits` [(ranges + 1) · m]
   holds where each row's entries of each range start (splits[r·m + i]), the last m being the rows'
   ends. Columns [from, to) only: threads split the columns at multiples of 64, each with its own
   panel [k, 64] and partial sums [SPARSE_ROW_BLOCK, 64]. */
static void sparse_product(int32_t m, int32_t k, int32_t n, int32_t from, int32_t to, int32_t ranges, const int32_t *splits,
                           const int32_t *indices, const float *values, const float *b, float *c, float alpha,
                           const float *add, float beta, float *panel, float *partial) {
  int32_t j0 = from;
#ifdef HAVE_AVX512_PANEL
  if (__builtin_cpu_supports("avx512f"))
    for (; j0 + 64 <= to; j0 += 64)
      sparse_panel_passes(sparse_panel_64_avx512, 64, m, k, n, j0, ranges, splits, indices, values, b, c, alpha, add, beta, panel, partial);
#endif
  for (; j0 + 32 <= to; j0 += 32)
    sparse_panel_passes(sparse_panel_32, 32, m, k, n, j0, ranges, splits, indices, values, b, c, alpha, add, beta, panel, partial);
  for (; j0 + 8 <= to; j0 += 8)
    sparse_panel_passes(sparse_panel_8, 8, m, k, n, j0, ranges, splits, indices, values, b, c, alpha, add, beta, panel, partial);
  /* the last columns one at a time, with the panels' order of operations */
  for (; j0 < to; j0++)
    for (int32_t i = 0; i < m; i++) {
      float total = 0;
      for (int32_t r = 0; r < ranges; r++) {
        float even = 0, odd = 0;
        int32_t p = splits[(size_t)r * m + i], end = splits[(size_t)(r + 1) * m + i];
        for (; p + 1 < end; p += 2) {
          even += values[p] * b[(size_t)indices[p] * n + j0];
          odd += values[p + 1] * b[(size_t)indices[p + 1] * n + j0];
        }
        if (p < end) even += values[p] * b[(size_t)indices[p] * n + j0];
        float sum = even + odd;
        total = r > 0 ? total + sum : sum;
      }
      if (add) total += add[j0];
      float *out = c + (size_t)i * n + j0;
      *out = beta != 0 ? alpha * total + beta * *out : alpha * total;
    }
}

/* splits (see sparse_product) for rows whose entries ascend by column within each row; with entries
   in another order the ranges still cover each row's entries exactly once, so the product is
   right, only slower. */
static void sparse_splits(int32_t m, int32_t k, int32_t ranges, const int32_t *offsets, const int32_t *indices, int32_t *splits) {
  for (int32_t i = 0; i < m; i++) {
    int32_t p = offsets[i], end = offsets[i + 1];
    for (int32_t r = 0; r < ranges; r++) {
      splits[(size_t)r * m + i] = p;
      int32_t limit = (int32_t)((int64_t)k * (r + 1) / ranges);
      while (p < end && indices[p] < limit) p++;
    }
    splits[(size_t)ranges * m + i] = end;
  }
}

struct sparse_task {
  int32_t m, k, n, from, to, ranges;
  const int32_t *splits, *indices;
  const float *values, *b, *add;
  float *c, *panel, *partial;
  float alpha, beta;
};

static void *sparse_task_run(void *argument) {
  struct sparse_task *t = argument;
  sparse_product(t->m, t->k, t->n, t->from, t->to, t->ranges, t->splits, t->indices, t->values, t->b, t->c, t->alpha, t->add,
                 t->beta, t->panel, t->partial);
  return NULL;
}

/* The scratch buffer of one Node environment, kept between calls (a fresh one per call cost page
   faults on every training step). Each environment (the main thread's, each worker's) runs on its
   own thread, so this is the calling thread's buffer. It is the environment's instance data, which
   Node frees when the environment ends, before it unloads the addon from it. Not a pthread key with
   a destructor: that destructor runs when the thread exits, after Node has dlclose'd a worker's
   addon, and called into unmapped code (a segmentation fault at the exit of every process whose
   workers had trained MNIST). Requests above 64 MB are not kept. */
struct scratch {
  void *data;
  size_t size;
};
static void scratch_free(napi_env env, void *value, void *hint) {
  (void)env;
  (void)hint;
  struct scratch *s = value;
  free(s->data);
  free(s);
}

/* A buffer of at least `size` bytes, 64-byte aligned: the environment's kept one, or (above the
   limit, or without one) a fresh one that the caller frees when *owned is set. NULL when out of memory. */
static void *env_scratch(napi_env env, size_t size, bool *owned) {
  size = (size + 63) / 64 * 64;
  *owned = false;
  struct scratch *s = NULL;
  if (size > ((size_t)64 << 20) || napi_get_instance_data(env, (void **)&s) != napi_ok || !s) {
    *owned = true;
    return aligned_alloc(64, size);
  }
  if (s->size < size) {
    free(s->data);
    s->data = aligned_alloc(64, size);
    s->size = s->data ? size : 0;
  }
  return s->data;
}

static const int32_t *int32_array(napi_env env, napi_value value, size_t *length, const char *name) {
  bool is_typed = false;
  napi_typedarray_type type;
  void *data = NULL;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, value, &type, length, &data, NULL, NULL) != napi_ok || type != napi_int32_array) {
    char message[96];
    snprintf(message, sizeof message, "fa_lab_blas: %s must be an Int32Array", name);
    napi_throw_type_error(env, NULL, message);
    return NULL;
  }
  static const int32_t empty = 0;
  return data ? (const int32_t *)data : &empty;
}

static napi_value sparse_product_call(napi_env env, napi_callback_info info) {
  ARGS(10, "sparseProduct(offsets, indices, values, m, k, n, b, c, alpha, add|null) or sparseUpdate(…, beta)")
  /* sparseUpdate's beta: c ← alpha · (a · b + 1 · addᵀ) + beta · c (sparseProduct: 0, which never reads c) */
  double beta = 0;
  if (argc > 10) {
    napi_value all_argv[11];
    size_t all = 11;
    CHECK(napi_get_cb_info(env, info, &all, all_argv, NULL, NULL));
    CHECK(napi_get_value_double(env, all_argv[10], &beta));
  }
  size_t offsets_length, indices_length;
  const int32_t *offsets = int32_array(env, argv[0], &offsets_length, "offsets");
  if (!offsets) return NULL;
  const int32_t *indices = int32_array(env, argv[1], &indices_length, "indices");
  if (!indices) return NULL;
  FLOATS_ARG(2, values);
  INT_ARG(3, m);
  INT_ARG(4, k);
  INT_ARG(5, n);
  FLOATS_ARG(6, b);
  FLOATS_ARG(7, c);
  DOUBLE_ARG(8, alpha);
  OPTIONAL_FLOATS_ARG(9, add);
  if (m < 0 || k <= 0 || n <= 0 || offsets_length < (size_t)m + 1 || b_length < (size_t)k * n || c_length < (size_t)m * n ||
      (add && add_length < (size_t)n)) {
    range_error(env, "sparseProduct");
    return NULL;
  }
  /* the structure is checked whole before any work: offsets ascending within the arrays, every
     column index inside b's rows */
  if (offsets[0] < 0 || (size_t)offsets[m] > indices_length || (size_t)offsets[m] > values_length) {
    range_error(env, "sparseProduct");
    return NULL;
  }
  for (int32_t i = 0; i < m; i++)
    if (offsets[i + 1] < offsets[i]) {
      napi_throw_range_error(env, NULL, "fa_lab_blas: sparseProduct: offsets must not decrease");
      return NULL;
    }
  for (int32_t p = offsets[0]; p < offsets[m]; p++)
    if (indices[p] < 0 || indices[p] >= k) {
      napi_throw_range_error(env, NULL, "fa_lab_blas: sparseProduct: a column index is out of range");
      return NULL;
    }
  /* As many threads as the BLAS has (one per worker when a pool of workers shares the cores), on
     work large enough to pay for starting them (about 50 µs), each taking whole 64-column panels. */
  int32_t threads = 1;
#ifdef OPENBLAS_VERSION
  threads = openblas_get_num_threads();
#endif
  int32_t panels = (n + SPARSE_WIDEST - 1) / SPARSE_WIDEST;
  double work = (double)(offsets[m] - offsets[0]) * n;
  if (threads > panels) threads = panels;
  if (threads > 8) threads = 8;
  if (threads < 1 || work < 4e6) threads = 1;
  int32_t ranges = sparse_ranges(k);
  size_t panel_floats = (size_t)k * SPARSE_WIDEST, partial_floats = (size_t)SPARSE_ROW_BLOCK * SPARSE_WIDEST;
  size_t splits_bytes = ((sizeof(int32_t) * (size_t)(ranges + 1) * m + 63) / 64) * 64;
  bool owned;
  char *scratch = env_scratch(env, splits_bytes + sizeof(float) * (panel_floats + partial_floats) * threads, &owned);
  if (!scratch) {
    napi_throw_error(env, NULL, "fa_lab_blas: sparseProduct: out of memory");
    return NULL;
  }
  int32_t *splits = (int32_t *)scratch;
  float *buffers = (float *)(scratch + splits_bytes);
  double started = now_seconds();
  sparse_splits(m, k, ranges, offsets, indices, splits);
  struct sparse_task tasks[8];
  pthread_t helpers[8];
  int32_t started_helpers = 0;
  for (int32_t t = 0; t < threads; t++) {
    int32_t from = (int32_t)((int64_t)panels * t / threads) * SPARSE_WIDEST, to = (int32_t)((int64_t)panels * (t + 1) / threads) * SPARSE_WIDEST;
    float *panel = buffers + (panel_floats + partial_floats) * t;
    tasks[t] = (struct sparse_task){m, k, n, from, to < n ? to : n, ranges, splits, indices, values, b, add, c, panel, panel + panel_floats, (float)alpha, (float)beta};
    /* the calling thread takes the first share; a helper that cannot start leaves its share to it */
    if (t > 0 && pthread_create(&helpers[started_helpers], NULL, sparse_task_run, &tasks[t]) == 0) started_helpers++;
    else if (t > 0) sparse_task_run(&tasks[t]);
  }
  sparse_task_run(&tasks[0]);
  for (int32_t h = 0; h < started_helpers; h++) pthread_join(helpers[h], NULL);
  sgemm_seconds += now_seconds() - started;
  sgemm_calls += 1;
  if (owned) free(scratch);
  return NULL;
}

/* The same with beta required: its name tells an addon built before beta existed (which would
   ignore an 11th argument) from this one. */
static napi_value sparse_update_call(napi_env env, napi_callback_info info) {
  size_t argc = 11;
  napi_value argv[11];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 11) {
    napi_throw_error(env, NULL, "fa_lab_blas: sparseUpdate(offsets, indices, values, m, k, n, b, c, alpha, add|null, beta)");
    return NULL;
  }
  return sparse_product_call(env, info);
}

static int32_t *mutable_int32_array(napi_env env, napi_value value, size_t *length, const char *name) {
  return (int32_t *)int32_array(env, value, length, name);
}

/* A batch's rows of a sparse matrix in compressed rows, and their transpose in compressed columns
   (a training step's sparse forward product and its update, engine/step-paths.ts). Everything is
   checked before anything is written. */
static napi_value sparse_gather(napi_env env, napi_callback_info info) {
  ARGS(13, "sparseGather(offsets, indices, values, cols, order|null, start, count, rowOffsets, rowIndices, rowValues, columnOffsets, columnIndices, columnValues)")
  size_t offsets_length, indices_length, order_length = 0, row_offsets_length, row_indices_length, column_offsets_length, column_indices_length;
  const int32_t *offsets = int32_array(env, argv[0], &offsets_length, "offsets");
  if (!offsets) return NULL;
  const int32_t *indices = int32_array(env, argv[1], &indices_length, "indices");
  if (!indices) return NULL;
  FLOATS_ARG(2, values);
  INT_ARG(3, cols);
  const int32_t *order = NULL;
  if (!is_null(env, argv[4])) {
    order = int32_array(env, argv[4], &order_length, "order");
    if (!order) return NULL;
  }
  INT_ARG(5, start);
  INT_ARG(6, count);
  int32_t *row_offsets = mutable_int32_array(env, argv[7], &row_offsets_length, "rowOffsets");
  if (!row_offsets) return NULL;
  int32_t *row_indices = mutable_int32_array(env, argv[8], &row_indices_length, "rowIndices");
  if (!row_indices) return NULL;
  FLOATS_ARG(9, rowValues);
  int32_t *column_offsets = mutable_int32_array(env, argv[10], &column_offsets_length, "columnOffsets");
  if (!column_offsets) return NULL;
  int32_t *column_indices = mutable_int32_array(env, argv[11], &column_indices_length, "columnIndices");
  if (!column_indices) return NULL;
  FLOATS_ARG(12, columnValues);
  size_t rows = offsets_length > 0 ? offsets_length - 1 : 0;
  if (cols <= 0 || start < 0 || count < 0 || (order && (size_t)start + count > order_length) || (!order && (size_t)start + count > rows) ||
      row_offsets_length < (size_t)count + 1 || column_offsets_length < (size_t)cols + 1) {
    range_error(env, "sparseGather");
    return NULL;
  }
  /* the rows picked, their entries and their columns, checked whole before any write */
  size_t total = 0;
  for (int32_t i = 0; i < count; i++) {
    int32_t row = order ? order[start + i] : start + i;
    if (row < 0 || (size_t)row >= rows || offsets[row] < 0 || offsets[row + 1] < offsets[row] || (size_t)offsets[row + 1] > indices_length ||
        (size_t)offsets[row + 1] > values_length) {
      range_error(env, "sparseGather");
      return NULL;
    }
    for (int32_t p = offsets[row]; p < offsets[row + 1]; p++)
      if (indices[p] < 0 || indices[p] >= cols) {
        napi_throw_range_error(env, NULL, "fa_lab_blas: sparseGather: a column index is out of range");
        return NULL;
      }
    total += (size_t)(offsets[row + 1] - offsets[row]);
  }
  if (total > INT32_MAX || row_indices_length < total || rowValues_length < total || column_indices_length < total || columnValues_length < total) {
    range_error(env, "sparseGather");
    return NULL;
  }
  int32_t p = 0;
  memset(column_offsets, 0, sizeof(int32_t) * ((size_t)cols + 1));
  for (int32_t i = 0; i < count; i++) {
    int32_t row = order ? order[start + i] : start + i;
    int32_t from = offsets[row], size = offsets[row + 1] - from;
    row_offsets[i] = p;
    memcpy(row_indices + p, indices + from, sizeof(int32_t) * (size_t)size);
    memcpy(rowValues + p, values + from, sizeof(float) * (size_t)size);
    for (int32_t q = 0; q < size; q++) column_offsets[indices[from + q] + 1]++;
    p += size;
  }
  row_offsets[count] = p;
  /* the transpose: entries counted per column above, then placed in row order */
  for (int32_t j = 0; j < cols; j++) column_offsets[j + 1] += column_offsets[j];
  for (int32_t i = 0; i < count; i++)
    for (int32_t q = row_offsets[i]; q < row_offsets[i + 1]; q++) {
      /* column_offsets[j] is column j's next free place while placing; restored below */
      int32_t target = column_offsets[row_indices[q]]++;
      column_indices[target] = i;
      columnValues[target] = rowValues[q];
    }
  for (int32_t j = cols; j > 0; j--) column_offsets[j] = column_offsets[j - 1];
  column_offsets[0] = 0;
  return NULL;
}

/* The convolution passes. A geometry names an NHWC input [batch, height, width, channels], a
   kernel or window [kernelHeight, kernelWidth] moved by [strideHeight, strideWidth] from
   [-padTop, -padLeft], and the output's [outHeight, outWidth]. Cells outside the input are 0 for
   imageToColumns and columnsToImage and left out by the pools. */
struct geometry {
  int32_t batch, height, width, channels, kernel_height, kernel_width, stride_height, stride_width, pad_top, pad_left, out_height, out_width;
};

static bool read_geometry(napi_env env, napi_value value, struct geometry *g, const char *function) {
  bool is_typed = false;
  napi_typedarray_type type;
  size_t length = 0;
  void *data = NULL;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, value, &type, &length, &data, NULL, NULL) != napi_ok || type != napi_int32_array || length < 12) {
    char message[128];
    snprintf(message, sizeof message, "fa_lab_blas: %s: geometry must be an Int32Array of 12 sizes", function);
    napi_throw_type_error(env, NULL, message);
    return false;
  }
  memcpy(g, data, sizeof *g);
  if (g->batch <= 0 || g->height <= 0 || g->width <= 0 || g->channels <= 0 || g->kernel_height <= 0 || g->kernel_width <= 0 ||
      g->stride_height <= 0 || g->stride_width <= 0 || g->pad_top < 0 || g->pad_left < 0 || g->out_height <= 0 || g->out_width <= 0) {
    char message[128];
    snprintf(message, sizeof message, "fa_lab_blas: %s: every size of the geometry must be positive (padding ≥ 0)", function);
    napi_throw_range_error(env, NULL, message);
    return false;
  }
  return true;
}

static size_t image_size(const struct geometry *g) { return (size_t)g->batch * g->height * g->width * g->channels; }
static size_t pooled_size(const struct geometry *g) { return (size_t)g->batch * g->out_height * g->out_width * g->channels; }
static size_t patch_size(const struct geometry *g) { return (size_t)g->kernel_height * g->kernel_width * g->channels; }
static size_t columns_size(const struct geometry *g) { return (size_t)g->batch * g->out_height * g->out_width * patch_size(g); }

/* cols: one row per output position, its patch in (ky, kx, channel) order: the order of a
   [kernelHeight, kernelWidth, channels, filters] kernel's rows, so cols · kernel is the convolution. */
/* The kernel columns [from, to) of output column ox that fall inside the image: one run of
   (to − from)·channels contiguous floats in an NHWC row. */
static inline void inside_columns(const struct geometry *g, int32_t ox, int32_t *from, int32_t *to) {
  int32_t left = ox * g->stride_width - g->pad_left;
  *from = left < 0 ? -left : 0;
  *to = g->width - left < g->kernel_width ? g->width - left : g->kernel_width;
  if (*to < *from) *to = *from;
}

static void image_to_columns_pass(const float *x, const struct geometry *g, float *cols) {
  const int32_t c = g->channels;
  const size_t run = (size_t)g->kernel_width * c;
  float *row = cols;
  for (int32_t n = 0; n < g->batch; n++)
    for (int32_t oy = 0; oy < g->out_height; oy++)
      for (int32_t ox = 0; ox < g->out_width; ox++) {
        int32_t from, to;
        inside_columns(g, ox, &from, &to);
        int32_t left = ox * g->stride_width - g->pad_left;
        for (int32_t ky = 0; ky < g->kernel_height; ky++, row += run) {
          int32_t y = oy * g->stride_height - g->pad_top + ky;
          if (y < 0 || y >= g->height) {
            for (size_t j = 0; j < run; j++) row[j] = 0;
            continue;
          }
          const float *source = x + (((size_t)n * g->height + y) * g->width + (left + from)) * c;
          size_t start = (size_t)from * c, stop = (size_t)to * c;
          for (size_t j = 0; j < start; j++) row[j] = 0;
          for (size_t j = start; j < stop; j++) row[j] = source[j - start];
          for (size_t j = stop; j < run; j++) row[j] = 0;
        }
      }
}

static void columns_to_image_pass(const float *cols, const struct geometry *g, float *x) {
  const int32_t c = g->channels;
  const size_t run = (size_t)g->kernel_width * c;
  memset(x, 0, sizeof(float) * image_size(g));
  const float *row = cols;
  for (int32_t n = 0; n < g->batch; n++)
    for (int32_t oy = 0; oy < g->out_height; oy++)
      for (int32_t ox = 0; ox < g->out_width; ox++) {
        int32_t from, to;
        inside_columns(g, ox, &from, &to);
        int32_t left = ox * g->stride_width - g->pad_left;
        for (int32_t ky = 0; ky < g->kernel_height; ky++, row += run) {
          int32_t y = oy * g->stride_height - g->pad_top + ky;
          if (y < 0 || y >= g->height) continue;
          float *target = x + (((size_t)n * g->height + y) * g->width + (left + from)) * c;
          size_t start = (size_t)from * c, stop = (size_t)to * c;
          for (size_t j = start; j < stop; j++) target[j - start] += row[j];
        }
      }
}

static napi_value image_to_columns(napi_env env, napi_callback_info info) {
  ARGS(3, "imageToColumns(x, geometry, cols)")
  FLOATS_ARG(0, x);
  struct geometry g;
  if (!read_geometry(env, argv[1], &g, "imageToColumns")) return NULL;
  FLOATS_ARG(2, cols);
  if (x_length < image_size(&g) || cols_length < columns_size(&g)) {
    range_error(env, "imageToColumns");
    return NULL;
  }
  image_to_columns_pass(x, &g, cols);
  return NULL;
}

static napi_value columns_to_image(napi_env env, napi_callback_info info) {
  ARGS(3, "columnsToImage(cols, geometry, x)")
  FLOATS_ARG(0, cols);
  struct geometry g;
  if (!read_geometry(env, argv[1], &g, "columnsToImage")) return NULL;
  FLOATS_ARG(2, x);
  if (x_length < image_size(&g) || cols_length < columns_size(&g)) {
    range_error(env, "columnsToImage");
    return NULL;
  }
  columns_to_image_pass(cols, &g, x);
  return NULL;
}

/* Calls visit(window cell's input offset) for each cell of output (n, oy, ox)'s window inside the
   image, in row-major order; the offset is of channel 0. */
#define FOR_WINDOW(g, n, oy, ox, offset, body)                                                      \
  for (int32_t ky = 0; ky < (g)->kernel_height; ky++) {                                             \
    int32_t y = (oy) * (g)->stride_height - (g)->pad_top + ky;                                      \
    if (y < 0 || y >= (g)->height) continue;                                                        \
    for (int32_t kx = 0; kx < (g)->kernel_width; kx++) {                                            \
      int32_t xx = (ox) * (g)->stride_width - (g)->pad_left + kx;                                   \
      if (xx < 0 || xx >= (g)->width) continue;                                                     \
      size_t offset = (((size_t)(n) * (g)->height + y) * (g)->width + xx) * (g)->channels;          \
      body                                                                                          \
    }                                                                                               \
  }

/* Each window's largest value and its index, channel by channel: the first in-bounds cell starts
   the window, later cells replace it only when strictly larger (so the first of a tie stays) or
   when NaN arrives on a number (NaN takes the window, as tf's max). Written as selects, without
   branches, so that the channel loop vectorises: relu's maps make the comparisons unpredictable. */
static VECTOR_CLONES void max_pool_pass(const float *x, const struct geometry *g, float *out, int32_t *argmax) {
  const int32_t c = g->channels;
  size_t o = 0;
  for (int32_t n = 0; n < g->batch; n++)
    for (int32_t oy = 0; oy < g->out_height; oy++)
      for (int32_t ox = 0; ox < g->out_width; ox++, o += c) {
        float *best = out + o;
        int32_t *where = argmax + o;
        bool first = true;
        FOR_WINDOW(g, n, oy, ox, cell, {
          const float *v = x + cell;
          if (first) {
            for (int32_t j = 0; j < c; j++) {
              best[j] = v[j];
              where[j] = (int32_t)(cell + j);
            }
            first = false;
          } else
            for (int32_t j = 0; j < c; j++) {
              float b = best[j];
              float a = v[j];
              bool take = (a > b) | ((a != a) & (b == b));
              best[j] = take ? a : b;
              where[j] = take ? (int32_t)(cell + j) : where[j];
            }
        })
        /* a window wholly in the padding: −∞, and no cell to send a gradient to */
        if (first)
          for (int32_t j = 0; j < c; j++) {
            best[j] = -INFINITY;
            where[j] = -1;
          }
      }
}

static napi_value max_pool(napi_env env, napi_callback_info info) {
  ARGS(4, "maxPool(x, geometry, out, argmax)")
  FLOATS_ARG(0, x);
  struct geometry g;
  if (!read_geometry(env, argv[1], &g, "maxPool")) return NULL;
  FLOATS_ARG(2, out);
  bool is_typed = false;
  napi_typedarray_type type;
  size_t argmax_length = 0;
  void *argmax_data = NULL;
  if (napi_is_typedarray(env, argv[3], &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, argv[3], &type, &argmax_length, &argmax_data, NULL, NULL) != napi_ok || type != napi_int32_array) {
    napi_throw_type_error(env, NULL, "fa_lab_blas: maxPool: argmax must be an Int32Array");
    return NULL;
  }
  if (x_length < image_size(&g) || out_length < pooled_size(&g) || argmax_length < pooled_size(&g) || image_size(&g) > INT32_MAX) {
    range_error(env, "maxPool");
    return NULL;
  }
  int32_t *argmax = (int32_t *)argmax_data;
  max_pool_pass(x, &g, out, argmax);
  return NULL;
}

static napi_value max_pool_backward(napi_env env, napi_callback_info info) {
  ARGS(3, "maxPoolBackward(dOut, argmax, dIn)")
  FLOATS_ARG(0, dOut);
  bool is_typed = false;
  napi_typedarray_type type;
  size_t argmax_length = 0;
  void *argmax_data = NULL;
  if (napi_is_typedarray(env, argv[1], &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, argv[1], &type, &argmax_length, &argmax_data, NULL, NULL) != napi_ok || type != napi_int32_array) {
    napi_throw_type_error(env, NULL, "fa_lab_blas: maxPoolBackward: argmax must be an Int32Array");
    return NULL;
  }
  FLOATS_ARG(2, dIn);
  const int32_t *argmax = (const int32_t *)argmax_data;
  if (argmax_length < dOut_length) {
    range_error(env, "maxPoolBackward");
    return NULL;
  }
  for (size_t i = 0; i < dOut_length; i++)
    if (argmax[i] < -1 || (size_t)(argmax[i] + 1) > dIn_length) {
      range_error(env, "maxPoolBackward");
      return NULL;
    }
  memset(dIn, 0, sizeof(float) * dIn_length);
  /* a window wholly in the padding (argmax −1) sends nothing back */
  for (size_t i = 0; i < dOut_length; i++)
    if (argmax[i] >= 0) dIn[argmax[i]] += dOut[i];
  return NULL;
}

/* Cells of output (oy, ox)'s window inside the image: the divisor of its mean. */
static int32_t window_cells(const struct geometry *g, int32_t oy, int32_t ox) {
  int32_t y0 = oy * g->stride_height - g->pad_top, x0 = ox * g->stride_width - g->pad_left;
  int32_t y1 = y0 + g->kernel_height, x1 = x0 + g->kernel_width;
  y0 = y0 < 0 ? 0 : y0;
  x0 = x0 < 0 ? 0 : x0;
  y1 = y1 > g->height ? g->height : y1;
  x1 = x1 > g->width ? g->width : x1;
  return (y1 > y0 ? y1 - y0 : 0) * (x1 > x0 ? x1 - x0 : 0);
}

static napi_value avg_pool(napi_env env, napi_callback_info info) {
  ARGS(3, "avgPool(x, geometry, out)")
  FLOATS_ARG(0, x);
  struct geometry g;
  if (!read_geometry(env, argv[1], &g, "avgPool")) return NULL;
  FLOATS_ARG(2, out);
  if (x_length < image_size(&g) || out_length < pooled_size(&g)) {
    range_error(env, "avgPool");
    return NULL;
  }
  const int32_t c = g.channels;
  size_t o = 0;
  for (int32_t n = 0; n < g.batch; n++)
    for (int32_t oy = 0; oy < g.out_height; oy++)
      for (int32_t ox = 0; ox < g.out_width; ox++, o += c) {
        int32_t cells = window_cells(&g, oy, ox);
        for (int32_t j = 0; j < c; j++) out[o + j] = 0;
        FOR_WINDOW(&g, n, oy, ox, cell, {
          for (int32_t j = 0; j < c; j++) out[o + j] += x[cell + j];
        })
        /* an empty window (only padding) has mean 0 rather than 0/0 */
        float scale = cells > 0 ? 1.0f / (float)cells : 0.0f;
        for (int32_t j = 0; j < c; j++) out[o + j] *= scale;
      }
  return NULL;
}

static napi_value avg_pool_backward(napi_env env, napi_callback_info info) {
  ARGS(3, "avgPoolBackward(dOut, geometry, dIn)")
  FLOATS_ARG(0, dOut);
  struct geometry g;
  if (!read_geometry(env, argv[1], &g, "avgPoolBackward")) return NULL;
  FLOATS_ARG(2, dIn);
  if (dIn_length < image_size(&g) || dOut_length < pooled_size(&g)) {
    range_error(env, "avgPoolBackward");
    return NULL;
  }
  const int32_t c = g.channels;
  memset(dIn, 0, sizeof(float) * image_size(&g));
  size_t o = 0;
  for (int32_t n = 0; n < g.batch; n++)
    for (int32_t oy = 0; oy < g.out_height; oy++)
      for (int32_t ox = 0; ox < g.out_width; ox++, o += c) {
        int32_t cells = window_cells(&g, oy, ox);
        float scale = cells > 0 ? 1.0f / (float)cells : 0.0f;
        FOR_WINDOW(&g, n, oy, ox, cell, {
          for (int32_t j = 0; j < c; j++) dIn[cell + j] += dOut[o + j] * scale;
        })
      }
  return NULL;
}

static napi_value set_threads(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  int32_t count = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  CHECK(napi_get_value_int32(env, argv[0], &count));
#ifdef OPENBLAS_VERSION
  if (count > 0) openblas_set_num_threads(count);
#endif
  return NULL;
}

static napi_value threads(napi_env env, napi_callback_info info) {
  napi_value result;
#ifdef OPENBLAS_VERSION
  CHECK(napi_create_int32(env, openblas_get_num_threads(), &result));
#else
  CHECK(napi_create_int32(env, 0, &result));
#endif
  return result;
}

static napi_value config(napi_env env, napi_callback_info info) {
  napi_value result;
#ifdef OPENBLAS_VERSION
  const char *text = openblas_get_config();
#elif defined(__APPLE__)
  const char *text = "Apple Accelerate";
#else
  const char *text = "CBLAS";
#endif
  CHECK(napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &result));
  return result;
}

static napi_value symmetric_eigenvalues(napi_env env, napi_callback_info info) {
  ARGS(3, "symmetricEigenvalues(a, n, out)")
  bool is_typed = false;
  napi_typedarray_type type;
  size_t a_length = 0, out_length = 0;
  void *a_data = NULL, *out_data = NULL;
  if (napi_is_typedarray(env, argv[0], &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, argv[0], &type, &a_length, &a_data, NULL, NULL) != napi_ok || type != napi_float64_array ||
      napi_is_typedarray(env, argv[2], &is_typed) != napi_ok || !is_typed ||
      napi_get_typedarray_info(env, argv[2], &type, &out_length, &out_data, NULL, NULL) != napi_ok || type != napi_float64_array) {
    napi_throw_type_error(env, NULL, "fa_lab_blas: symmetricEigenvalues takes Float64Arrays");
    return NULL;
  }
  INT_ARG(1, n);
  if (n <= 0 || a_length < (size_t)n * n || out_length < (size_t)n) {
    range_error(env, "symmetricEigenvalues");
    return NULL;
  }
  const double *a = (const double *)a_data;
  double *w = (double *)out_data;
  double *sym = malloc(sizeof(double) * (size_t)n * n);
  int lwork = 3 * n + 64;
  double *work = malloc(sizeof(double) * (size_t)lwork);
  if (!sym || !work) {
    free(sym);
    free(work);
    napi_throw_error(env, NULL, "fa_lab_blas: symmetricEigenvalues: out of memory");
    return NULL;
  }
  for (int32_t i = 0; i < n; i++)
    for (int32_t j = 0; j < n; j++) sym[(size_t)i * n + j] = (a[(size_t)i * n + j] + a[(size_t)j * n + i]) / 2;
  int status = 0, order = n;
  dsyev_("N", "L", &order, sym, &order, w, work, &lwork, &status);
  free(sym);
  free(work);
  if (status != 0) {
    napi_throw_error(env, NULL, "fa_lab_blas: symmetricEigenvalues: LAPACK dsyev did not converge");
    return NULL;
  }
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"sgemm", NULL, sgemm, NULL, NULL, NULL, napi_default, NULL},
      {"sgemmTime", NULL, sgemm_time, NULL, NULL, NULL, napi_default, NULL},
      {"resetSgemmTime", NULL, reset_sgemm_time, NULL, NULL, NULL, napi_default, NULL},
      {"activate", NULL, activate, NULL, NULL, NULL, napi_default, NULL},
      {"gate", NULL, gate, NULL, NULL, NULL, napi_default, NULL},
      {"lossError", NULL, loss_error, NULL, NULL, NULL, napi_default, NULL},
      {"biasUpdate", NULL, bias_update, NULL, NULL, NULL, napi_default, NULL},
      {"axpby", NULL, axpby, NULL, NULL, NULL, napi_default, NULL},
      {"signOf", NULL, sign_of, NULL, NULL, NULL, napi_default, NULL},
      {"gatherRows", NULL, gather_rows, NULL, NULL, NULL, napi_default, NULL},
      {"dotNorms", NULL, dot_norms, NULL, NULL, NULL, napi_default, NULL},
      {"rowCosines", NULL, row_cosines, NULL, NULL, NULL, napi_default, NULL},
      {"rowArgmaxHits", NULL, row_argmax_hits, NULL, NULL, NULL, napi_default, NULL},
      {"sparseProduct", NULL, sparse_product_call, NULL, NULL, NULL, napi_default, NULL},
      {"sparseUpdate", NULL, sparse_update_call, NULL, NULL, NULL, napi_default, NULL},
      {"sparseGather", NULL, sparse_gather, NULL, NULL, NULL, napi_default, NULL},
      {"symmetricEigenvalues", NULL, symmetric_eigenvalues, NULL, NULL, NULL, napi_default, NULL},
      {"imageToColumns", NULL, image_to_columns, NULL, NULL, NULL, napi_default, NULL},
      {"columnsToImage", NULL, columns_to_image, NULL, NULL, NULL, napi_default, NULL},
      {"maxPool", NULL, max_pool, NULL, NULL, NULL, napi_default, NULL},
      {"maxPoolBackward", NULL, max_pool_backward, NULL, NULL, NULL, napi_default, NULL},
      {"avgPool", NULL, avg_pool, NULL, NULL, NULL, napi_default, NULL},
      {"avgPoolBackward", NULL, avg_pool_backward, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_default, NULL},
      {"threads", NULL, threads, NULL, NULL, NULL, napi_default, NULL},
      {"config", NULL, config, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties) != napi_ok) return NULL;
  /* this environment's scratch buffer (see env_scratch); without it, each call allocates its own */
  struct scratch *s = calloc(1, sizeof *s);
  if (s && napi_set_instance_data(env, s, scratch_free, NULL) != napi_ok) free(s);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
