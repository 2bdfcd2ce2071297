;; Dot products of one query with many rows of f32, for the exact scans of @evrec/ann.
;;
;; Compiled into dot-scan.wasm.ts by compile-kernels.ts (wabt, SIMD enabled); a spec test checks the
;; committed bytes against a fresh compile. All pointers are byte offsets into the imported memory;
;; rows are `dims` f32 (dims a multiple of 4), back to back.
;;
;; The arithmetic is fixed so that results are exact and reproducible, and vector-arena.ts repeats it
;; in plain JS bit for bit: lane r of one f32x4 accumulator sums q[j]·v[j] for j ≡ r (mod 4) in
;; increasing j, each product and each sum rounded to f32 (f32x4.mul, f32x4.add; no fused multiply-add);
;; the lanes are then summed as (l0 + l2) + (l1 + l3). Rows are computed four at a time only for
;; instruction-level parallelism: each row's arithmetic is the same as alone.
(module
  (import "env" "memory" (memory 1))

  ;; (l0 + l2) + (l1 + l3)
  (func $hsum (param $a v128) (result f32)
    (f32.add
      (f32.add (f32x4.extract_lane 0 (local.get $a)) (f32x4.extract_lane 2 (local.get $a)))
      (f32.add (f32x4.extract_lane 1 (local.get $a)) (f32x4.extract_lane 3 (local.get $a)))))

  ;; One row at $v against the query at $q; $bytes = dims × 4.
  (func $dot1 (param $v i32) (param $q i32) (param $bytes i32) (result f32)
    (local $j i32) (local $acc v128)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $bytes)))
        (local.set $acc
          (f32x4.add (local.get $acc)
            (f32x4.mul
              (v128.load (i32.add (local.get $q) (local.get $j)))
              (v128.load (i32.add (local.get $v) (local.get $j))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $next)))
    (call $hsum (local.get $acc)))

  ;; Four rows at once (four independent accumulators), the four sums stored at $out.
  (func $dot4 (param $v0 i32) (param $v1 i32) (param $v2 i32) (param $v3 i32) (param $q i32) (param $bytes i32) (param $out i32)
    (local $j i32) (local $x v128)
    (local $a v128) (local $b v128) (local $c v128) (local $d v128)
    (local $ab v128) (local $cd v128)
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $j) (local.get $bytes)))
        (local.set $x (v128.load (i32.add (local.get $q) (local.get $j))))
        (local.set $a (f32x4.add (local.get $a) (f32x4.mul (local.get $x) (v128.load (i32.add (local.get $v0) (local.get $j))))))
        (local.set $b (f32x4.add (local.get $b) (f32x4.mul (local.get $x) (v128.load (i32.add (local.get $v1) (local.get $j))))))
        (local.set $c (f32x4.add (local.get $c) (f32x4.mul (local.get $x) (v128.load (i32.add (local.get $v2) (local.get $j))))))
        (local.set $d (f32x4.add (local.get $d) (f32x4.mul (local.get $x) (v128.load (i32.add (local.get $v3) (local.get $j))))))
        (local.set $j (i32.add (local.get $j) (i32.const 16)))
        (br $next)))
    ;; $ab = [a0+a2, a1+a3, b0+b2, b1+b3], $cd likewise; then lane k of the result is
    ;; (k0+k2) + (k1+k3) for rows a, b, c, d: the order of $hsum.
    (local.set $ab
      (f32x4.add
        (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $a) (local.get $b))
        (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $a) (local.get $b))))
    (local.set $cd
      (f32x4.add
        (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $c) (local.get $d))
        (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $c) (local.get $d))))
    (v128.store (local.get $out)
      (f32x4.add
        (i8x16.shuffle 0 1 2 3 8 9 10 11 16 17 18 19 24 25 26 27 (local.get $ab) (local.get $cd))
        (i8x16.shuffle 4 5 6 7 12 13 14 15 20 21 22 23 28 29 30 31 (local.get $ab) (local.get $cd)))))

  ;; out[r] = q · row r, for the $rows contiguous rows starting at $vecs.
  (func (export "dots") (param $vecs i32) (param $rows i32) (param $q i32) (param $dims i32) (param $out i32)
    (local $bytes i32) (local $r i32) (local $v i32)
    (local.set $bytes (i32.shl (local.get $dims) (i32.const 2)))
    (local.set $v (local.get $vecs))
    (block $done4
      (loop $next4
        (br_if $done4 (i32.gt_u (i32.add (local.get $r) (i32.const 4)) (local.get $rows)))
        (call $dot4
          (local.get $v)
          (i32.add (local.get $v) (local.get $bytes))
          (i32.add (local.get $v) (i32.shl (local.get $bytes) (i32.const 1)))
          (i32.add (local.get $v) (i32.mul (local.get $bytes) (i32.const 3)))
          (local.get $q) (local.get $bytes)
          (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2))))
        (local.set $v (i32.add (local.get $v) (i32.shl (local.get $bytes) (i32.const 2))))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $next4)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
        (f32.store
          (i32.add (local.get $out) (i32.shl (local.get $r) (i32.const 2)))
          (call $dot1 (local.get $v) (local.get $q) (local.get $bytes)))
        (local.set $v (i32.add (local.get $v) (local.get $bytes)))
        (local.set $r (i32.add (local.get $r) (i32.const 1)))
        (br $next))))

  ;; out[i] = q · row idx[i] of the rows starting at $vecs, for the $count i32 row indices at $idx
  ;; (a gather: rows anywhere in one big array).
  (func (export "dotsAt") (param $vecs i32) (param $idx i32) (param $count i32) (param $q i32) (param $dims i32) (param $out i32)
    (local $bytes i32) (local $i i32) (local $p i32)
    (local.set $bytes (i32.shl (local.get $dims) (i32.const 2)))
    (block $done4
      (loop $next4
        (br_if $done4 (i32.gt_u (i32.add (local.get $i) (i32.const 4)) (local.get $count)))
        (local.set $p (i32.add (local.get $idx) (i32.shl (local.get $i) (i32.const 2))))
        (call $dot4
          (i32.add (local.get $vecs) (i32.mul (i32.load (local.get $p)) (local.get $bytes)))
          (i32.add (local.get $vecs) (i32.mul (i32.load offset=4 (local.get $p)) (local.get $bytes)))
          (i32.add (local.get $vecs) (i32.mul (i32.load offset=8 (local.get $p)) (local.get $bytes)))
          (i32.add (local.get $vecs) (i32.mul (i32.load offset=12 (local.get $p)) (local.get $bytes)))
          (local.get $q) (local.get $bytes)
          (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))))
        (local.set $i (i32.add (local.get $i) (i32.const 4)))
        (br $next4)))
    (block $done
      (loop $next
        (br_if $done (i32.ge_u (local.get $i) (local.get $count)))
        (f32.store
          (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2)))
          (call $dot1
            (i32.add (local.get $vecs) (i32.mul (i32.load (i32.add (local.get $idx) (i32.shl (local.get $i) (i32.const 2)))) (local.get $bytes)))
            (local.get $q) (local.get $bytes)))
        (local.set $i (i32.add (local.get $i) (i32.const 1)))
        (br $next)))))
