{
  "targets": [
    {
      "target_name": "fa_lab_blas",
      "sources": ["blas.c"],
      "cflags": ["-O2", "-std=c11"],
      "defines": ["NAPI_VERSION=8"],
      "conditions": [
        ["OS=='mac'", { "libraries": ["-framework Accelerate"] }],
        ["OS!='mac'", { "libraries": ["-lopenblas"] }]
      ]
    }
  ]
}
