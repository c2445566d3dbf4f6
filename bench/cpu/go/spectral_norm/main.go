// spectral-norm (the Computer Language Benchmarks Game): the spectral norm of an infinite matrix,
// approximated by ten power iterations on its top-left 1 200 × 1 200 corner; a small function
// called in the innermost loops.
package main

import (
	"fmt"
	"math"
	"strconv"
)

func a(i, j int64) float64 {
	return 1.0 / float64((i+j)*(i+j+1)/2+i+1)
}

func mulAv(v []float64) []float64 {
	n := int64(len(v))
	out := make([]float64, 0, n)
	for i := int64(0); i < n; i++ {
		sum := 0.0
		for j := int64(0); j < n; j++ {
			sum += a(i, j) * v[j]
		}
		out = append(out, sum)
	}
	return out
}

func mulAtv(v []float64) []float64 {
	n := int64(len(v))
	out := make([]float64, 0, n)
	for i := int64(0); i < n; i++ {
		sum := 0.0
		for j := int64(0); j < n; j++ {
			sum += a(j, i) * v[j]
		}
		out = append(out, sum)
	}
	return out
}

func mulAtAv(v []float64) []float64 {
	return mulAtv(mulAv(v))
}

// fixed9 rounds x to nine decimals the way the holo version does (half away from zero).
func fixed9(x float64) string {
	scaled := int64(math.Round(math.Abs(x) * 1e9))
	frac := strconv.FormatInt(scaled%1000000000, 10)
	for len(frac) < 9 {
		frac = "0" + frac
	}
	sign := ""
	if x < 0 {
		sign = "-"
	}
	return sign + strconv.FormatInt(scaled/1000000000, 10) + "." + frac
}

func main() {
	n := 1200
	u := make([]float64, 0, n)
	for i := 0; i < n; i++ {
		u = append(u, 1.0)
	}
	var v []float64
	for i := 0; i < 10; i++ {
		v = mulAtAv(u)
		u = mulAtAv(v)
	}
	vBv, vv := 0.0, 0.0
	for i := 0; i < n; i++ {
		vBv += u[i] * v[i]
		vv += v[i] * v[i]
	}
	fmt.Println(fixed9(math.Sqrt(vBv / vv)))
}
