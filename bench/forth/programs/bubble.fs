\ bubble.fs — bubble sort of 6000 cells, written for Kiln (Apache-2.0).
\ The work of the Stanford bubble-sort benchmark: the same pseudo-random
\ data (seed 74755, x := (x*1309 + 13849) mod 65536), the same passes,
\ sorted into descending order; `result` is the first element (65527).
decimal
6000 constant #items
create items #items cells allot
variable seed
variable result

: next-random ( -- x )  seed @ 1309 * 13849 + 65535 and  dup seed ! ;
: fill-items ( -- )
   74755 seed !  #items 0 do next-random  items i cells + ! loop ;

: sort ( -- )
   #items 1 do
      items  #items i - cells  over +  swap do   \ compare neighbours up to the sorted tail
         i 2@ > if  i 2@ swap i 2!  then
      cell +loop
   loop ;

: sorted? ( -- flag )
   true  items #items 1- cells over + swap do
      i 2@ > if drop false leave then
   cell +loop ;

: main ( -- )
   fill-items sort
   sorted? 0= abort" bubble: not sorted"
   items @ result ! ;
