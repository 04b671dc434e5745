/*
 * fa_lab_blas: single-precision matrix products through the machine's CBLAS (OpenBLAS on Linux,
 * Accelerate on macOS), exposed to JavaScript with Node-API so one build loads in Node and in
 * Electron alike.
 *
 *   sgemm(transposeA, transposeB, m, n, k, a, b, c)   c = op(a) · op(b), row-major float32 arrays
 *   setThreads(n) / threads()                          BLAS worker threads (OpenBLAS only)
 *   config()                                           the library's build description
 *
 * Arrays may be views into WebAssembly memory: the product reads and writes them in place.
 */
#include <node_api.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#ifdef __APPLE__
#include <Accelerate/Accelerate.h>
#else
#include <cblas.h>
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
  return (float *)data;
fail : {
  char message[96];
  snprintf(message, sizeof message, "fa_lab_blas: %s must be a Float32Array", name);
  napi_throw_type_error(env, NULL, message);
  return NULL;
}
}

static napi_value sgemm(napi_env env, napi_callback_info info) {
  size_t argc = 8;
  napi_value argv[8];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc != 8) {
    napi_throw_error(env, NULL, "fa_lab_blas: sgemm(transposeA, transposeB, m, n, k, a, b, c)");
    return NULL;
  }
  bool ta, tb;
  int32_t m, n, k;
  CHECK(napi_get_value_bool(env, argv[0], &ta));
  CHECK(napi_get_value_bool(env, argv[1], &tb));
  CHECK(napi_get_value_int32(env, argv[2], &m));
  CHECK(napi_get_value_int32(env, argv[3], &n));
  CHECK(napi_get_value_int32(env, argv[4], &k));
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
  cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans, m, n, k, 1.0f, a,
              ta ? m : k, b, tb ? k : n, 0.0f, c, n);
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

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"sgemm", NULL, sgemm, NULL, NULL, NULL, napi_default, NULL},
      {"setThreads", NULL, set_threads, NULL, NULL, NULL, napi_default, NULL},
      {"threads", NULL, threads, NULL, NULL, NULL, napi_default, NULL},
      {"config", NULL, config, NULL, NULL, NULL, napi_default, NULL},
  };
  if (napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
