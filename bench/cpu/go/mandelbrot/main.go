// mandelbrot (the Computer Language Benchmarks Game): the Mandelbrot set on a 2 000 × 2 000 grid,
// 50 iterations, packed eight points to a byte as the benchmark's bitmap; the bytes are folded
// into a checksum instead of written out, so the output stays short.
package main

import "fmt"

func main() {
	size := int64(2000)
	var checksum, inside int64
	for y := int64(0); y < size; y++ {
		ci := 2.0*float64(y)/float64(size) - 1.0
		var byteVal, bits int64
		for x := int64(0); x < size; x++ {
			cr := 2.0*float64(x)/float64(size) - 1.5
			var zr, zi, tr, ti float64
			i := 0
			for i < 50 && tr+ti <= 4.0 {
				zi = 2.0*zr*zi + ci
				zr = tr - ti + cr
				tr = zr * zr
				ti = zi * zi
				i++
			}
			byteVal <<= 1
			if tr+ti <= 4.0 {
				byteVal |= 1
				inside++
			}
			bits++
			if bits == 8 || x == size-1 {
				byteVal <<= 8 - bits
				checksum = (checksum*31 + byteVal) % 1000000007
				byteVal = 0
				bits = 0
			}
		}
	}
	fmt.Println(inside)
	fmt.Println(checksum)
}
