"""The checks an answer passes before it is shown: grounded in the evidence it was
given (``ground.is_grounded``, which runs the others), no near-miss (``near_miss``:
a group's figure, a deputy's post, a post on another line), a figure of the kind
asked (``measures``: money, people, a length, an area, a weight, a total, a count), the date
asked (``dates``), the scope asked (``scope``: a worldwide figure for one country)
and names romanised from the evidence (``romanized``). An answer that fails any
becomes a refusal."""
