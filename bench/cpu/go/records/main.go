// Closures over records: people sorted with sort.SliceStable (age, then name), filtered and
// mapped with closures.
package main

import (
	"fmt"
	"sort"
	"strconv"
)

type person struct {
	name string
	age  int64
}

func people(n int64, seed int64) []person {
	var out []person
	for i := int64(0); i < n; i++ {
		seed = (seed*1103515245 + 12345) % 2147483648
		out = append(out, person{"p" + strconv.FormatInt(i%1000, 10), seed % 90})
	}
	return out
}

func filter(ps []person, keep func(person) bool) []person {
	var out []person
	for _, p := range ps {
		if keep(p) {
			out = append(out, p)
		}
	}
	return out
}

func mapAges(ps []person, f func(person) int64) []int64 {
	out := make([]int64, 0, len(ps))
	for _, p := range ps {
		out = append(out, f(p))
	}
	return out
}

func main() {
	total := int64(0)
	for round := int64(0); round < 5; round++ {
		ps := people(200_000, 7+round)
		sort.SliceStable(ps, func(a, b int) bool {
			if ps[a].age != ps[b].age {
				return ps[a].age < ps[b].age
			}
			return ps[a].name < ps[b].name
		})
		limit := 18 + round
		adults := filter(ps, func(p person) bool { return p.age >= limit })
		ages := mapAges(adults, func(p person) int64 { return p.age * 2 })
		sum := int64(0)
		for _, a := range ages {
			sum += a
		}
		total += sum + ps[0].age + ps[len(ps)-1].age
		if round == 0 {
			fmt.Println(ps[0].name, ps[len(ps)-1].name)
		}
	}
	fmt.Println(total)
}
