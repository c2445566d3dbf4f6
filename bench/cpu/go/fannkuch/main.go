// fannkuch-redux (the Computer Language Benchmarks Game): every permutation of 0..10 in the
// benchmark's order, each flipped (prefix reversed) until 0 comes first; small integer arrays
// indexed in tight loops.
package main

import "fmt"

func fannkuch(n int64) (int64, int64) {
	perm := make([]int64, 0, n)
	perm1 := make([]int64, 0, n)
	count := make([]int64, 0, n)
	for i := int64(0); i < n; i++ {
		perm = append(perm, 0)
		perm1 = append(perm1, i)
		count = append(count, 0)
	}
	var maxFlips, checksum, permCount int64
	r := n
	for {
		for r != 1 {
			count[r-1] = r
			r--
		}
		for i := int64(0); i < n; i++ {
			perm[i] = perm1[i]
		}
		flips := int64(0)
		k := perm[0]
		for k != 0 {
			i, j := int64(0), k
			for i < j {
				perm[i], perm[j] = perm[j], perm[i]
				i++
				j--
			}
			flips++
			k = perm[0]
		}
		if flips > maxFlips {
			maxFlips = flips
		}
		if permCount%2 == 0 {
			checksum += flips
		} else {
			checksum -= flips
		}
		for {
			if r == n {
				return checksum, maxFlips
			}
			perm0 := perm1[0]
			for i := int64(0); i < r; i++ {
				perm1[i] = perm1[i+1]
			}
			perm1[r] = perm0
			count[r]--
			if count[r] > 0 {
				break
			}
			r++
		}
		permCount++
	}
}

func main() {
	n := int64(10)
	checksum, maxFlips := fannkuch(n)
	fmt.Println(checksum)
	fmt.Printf("Pfannkuchen(%d) = %d\n", n, maxFlips)
}
