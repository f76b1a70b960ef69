/* Latency of an exported SavedModel through TensorFlow's C API, without Python in the loop.

   TensorFlow Serving and C, C++, Go or Java clients load a SavedModel into a session and call
   Session::Run; this program does the same through the C API that the TensorFlow wheel ships
   (tensorflow/include/tensorflow/c/c_api.h, libtensorflow_cc.so.2), so its figures are what a
   serving process pays, not what Python's function-call machinery adds on top.
   `serving_latency.py` compiles and runs it; by hand:

     TF=$(python -c "import os, tensorflow as tf; print(os.path.dirname(tf.__file__))")
     cc -O2 -o savedmodel_latency savedmodel_latency.c -I$TF/include -L$TF \
        -l:libtensorflow_cc.so.2 -l:libtensorflow_framework.so.2 -Wl,-rpath,$TF
     ./savedmodel_latency DIR INPUT_TENSOR OUTPUT_TENSOR INPUT_SIZE BATCH CALLS

   Prints one line of key=value fields: batch, p50 and p99 in ms, the lowest and highest p50 of
   10 rounds, forecasts per second, and the first forecast value (to check against Python's). */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tensorflow/c/c_api.h"

#define ROUNDS 10
#define WARMUP 50

static double seconds(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static int ascending(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

static void check(TF_Status *status, const char *what) {
  if (TF_GetCode(status) != TF_OK) {
    fprintf(stderr, "%s: %s\n", what, TF_Message(status));
    exit(1);
  }
}

/* "name:index" (a signature's tensor name) -> the graph operation's output. */
static TF_Output graph_output(TF_Graph *graph, const char *tensor) {
  char name[512];
  snprintf(name, sizeof name, "%s", tensor);
  int index = 0;
  char *colon = strrchr(name, ':');
  if (colon != NULL) {
    index = atoi(colon + 1);
    *colon = '\0';
  }
  TF_Operation *operation = TF_GraphOperationByName(graph, name);
  if (operation == NULL) {
    fprintf(stderr, "no operation %s in the SavedModel's graph\n", name);
    exit(1);
  }
  TF_Output output = {operation, index};
  return output;
}

int main(int argc, char **argv) {
  if (argc != 7) {
    fprintf(stderr, "usage: %s DIR INPUT_TENSOR OUTPUT_TENSOR INPUT_SIZE BATCH CALLS\n", argv[0]);
    return 2;
  }
  const char *folder = argv[1];
  const int input_size = atoi(argv[4]), batch = atoi(argv[5]), calls = atoi(argv[6]);
  if (input_size < 1 || batch < 1 || calls < ROUNDS) {
    fprintf(stderr, "INPUT_SIZE and BATCH must be positive, CALLS at least %d\n", ROUNDS);
    return 2;
  }

  TF_Status *status = TF_NewStatus();
  TF_Graph *graph = TF_NewGraph();
  TF_SessionOptions *options = TF_NewSessionOptions();
  const char *tags[] = {"serve"};
  TF_Session *session =
      TF_LoadSessionFromSavedModel(options, NULL, folder, tags, 1, graph, NULL, status);
  check(status, "loading the SavedModel");
  TF_Output input = graph_output(graph, argv[2]), output = graph_output(graph, argv[3]);

  /* Prices near 100 with a small repeating pattern: any finite window will do. */
  const int64_t dims[2] = {batch, input_size};
  const size_t bytes = sizeof(float) * (size_t)batch * (size_t)input_size;
  double *times = malloc(sizeof(double) * (size_t)calls);
  double round_p50[ROUNDS];
  float first_value = 0.0f;
  double total = 0.0;
  for (int i = -WARMUP; i < calls; i++) {
    /* Timed like a request: fill the input tensor, run, read the forecast, free both. */
    const double start = seconds();
    TF_Tensor *window = TF_AllocateTensor(TF_FLOAT, dims, 2, bytes);
    float *values = TF_TensorData(window);
    for (int j = 0; j < batch * input_size; j++) values[j] = 100.0f + (float)(j % 13) * 0.1f;
    TF_Tensor *forecast = NULL;
    TF_SessionRun(session, NULL, &input, &window, 1, &output, &forecast, 1, NULL, 0, NULL,
                  status);
    check(status, "running the signature");
    first_value = ((const float *)TF_TensorData(forecast))[0];
    TF_DeleteTensor(window);
    TF_DeleteTensor(forecast);
    const double elapsed = seconds() - start;
    if (i >= 0) {
      times[i] = elapsed * 1e3;
      total += elapsed;
    }
  }
  const int per_round = calls / ROUNDS;
  for (int r = 0; r < ROUNDS; r++) {
    qsort(times + r * per_round, per_round, sizeof(double), ascending);
    round_p50[r] = times[r * per_round + per_round / 2];
  }
  qsort(round_p50, ROUNDS, sizeof(double), ascending);
  qsort(times, calls, sizeof(double), ascending);
  printf("batch=%d p50_ms=%.4f p99_ms=%.4f round_p50_low_ms=%.4f round_p50_high_ms=%.4f "
         "forecasts_per_s=%.1f first_value=%.6f\n",
         batch, times[calls / 2], times[(int)(calls * 0.99)], round_p50[0], round_p50[ROUNDS - 1],
         batch * calls / total, first_value);

  TF_CloseSession(session, status);
  TF_DeleteSession(session, status);
  TF_DeleteSessionOptions(options);
  TF_DeleteGraph(graph);
  TF_DeleteStatus(status);
  free(times);
  return 0;
}
