{
  "targets": [
    {
      "target_name": "fa_lab_blas",
      "sources": ["blas.c"],
      "cflags": ["-O3", "-std=gnu11", "-ffp-contract=off", "-fno-trapping-math", "-pthread"],
      "ldflags": ["-pthread"],
      "defines": ["NAPI_VERSION=8"],
      "conditions": [
        ["OS=='mac'", { "libraries": ["-framework Accelerate"] }],
        ["OS!='mac'", { "libraries": ["-lopenblas"] }]
      ]
    }
  ]
}
