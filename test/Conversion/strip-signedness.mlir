// RUN: seq-opt %s --seq-strip-signedness | FileCheck %s

// Every unsigned type becomes signless: signatures, block arguments,
// constants (same bytes); the bridging casts become identities and vanish.
// CHECK-LABEL: func.func @f(%{{.*}}: tensor<4xi8>) -> tensor<4xi8>
// CHECK-NOT: ui8
// CHECK-NOT: unrealized_conversion_cast
// CHECK: arith.constant dense<[1, 2, 3, -56]> : tensor<4xi8>
// CHECK: arith.divui
func.func @f(%a: tensor<4xui8>) -> tensor<4xui8> {
  %c = arith.constant dense<[1, 2, 3, 200]> : tensor<4xui8>
  %x = builtin.unrealized_conversion_cast %a : tensor<4xui8> to tensor<4xi8>
  %y = builtin.unrealized_conversion_cast %c : tensor<4xui8> to tensor<4xi8>
  %e = tensor.empty() : tensor<4xi8>
  %r = linalg.generic {indexing_maps = [affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>, affine_map<(d0) -> (d0)>], iterator_types = ["parallel"]} ins(%x, %y : tensor<4xi8>, tensor<4xi8>) outs(%e : tensor<4xi8>) {
  ^bb0(%p: i8, %q: i8, %o: i8):
    %d = arith.divui %p, %q : i8
    linalg.yield %d : i8
  } -> tensor<4xi8>
  %z = builtin.unrealized_conversion_cast %r : tensor<4xi8> to tensor<4xui8>
  return %z : tensor<4xui8>
}
