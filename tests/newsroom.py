"""Hand-written news articles for the router, role and abstention tests (fiction written
for these tests; places and offices are real words, the events are made up)."""

from __future__ import annotations

from index.models import ArticleInput

KIM_TRIP = ArticleInput(
    id="kim-trip",
    title="Kim to travel to Russia for talks on rail link",
    source="Northern Wire",
    published="2026-05-04",
    text=(
        "North Korean leader Kim Jong Un will travel to Russia next week to seek food aid "
        "and a new rail link to the port of Vladivostok, officials in Seoul said.\n\n"
        "Kim last visited Russia in 2019, when he met Russian President Vladimir Putin in "
        "Vladivostok.\n\n"
        '"The visit shows that our friendship is growing stronger," Russian President '
        "Vladimir Putin said in a statement on Tuesday.\n\n"
        "Analysts expect the two leaders to discuss arms sales."
    ),
)

BIKE_LANES = ArticleInput(
    id="elm-street-lanes",
    title="Council approves Elm Street bike lanes",
    source="Harbor Times",
    published="2026-03-10",
    text=(
        "The city council voted 7-2 on Monday to build protected bike lanes along Elm "
        "Street, after two years of debate.\n\n"
        "Construction will begin in June and should be finished by the end of October, "
        "according to the transport department.\n\n"
        "Shop owners on Elm Street have complained that the lanes will remove 40 parking "
        "spaces.\n\n"
        '"Elm Street deserves to be safe for everyone," said councillor Nadia Brooks, who '
        "proposed the lanes."
    ),
)

FIRE = ArticleInput(
    id="fort-nelson-fire",
    title="Fort Nelson fire forces evacuations",
    source="Northern Wire",
    published="2026-05-12",
    text=(
        "Residents of Fort Nelson were ordered to leave their homes on Sunday as a wildfire "
        "burned toward the town.\n\n"
        "The fire has grown to about 5,000 hectares, according to the provincial wildfire "
        "service, and was burning out of control on Monday.\n\n"
        "Fire chief Ron Dale said crews were working through the night to protect the "
        "airport.\n\n"
        "The evacuation order covers about 3,000 people."
    ),
)

OBAMA_TRIP = ArticleInput(
    id="obama-hanoi",
    title="Obama visits Vietnam",
    source="Capital Report",
    published="2015-05-23",
    text=(
        "President Barack Obama arrived in Hanoi on Monday for a three-day visit, the first "
        "by a U.S. president in a decade.\n\n"
        "Obama met with Vietnamese President Tran Dai Quang at the presidential palace, "
        "where the two leaders signed an agreement on trade and maritime security.\n\n"
        '"We have moved from a history of conflict to a future of partnership," Obama told '
        "reporters after the talks.\n\n"
        "Human rights groups urged the White House to press Hanoi on political prisoners."
    ),
)

LIBYA = ArticleInput(
    id="libya-rebels",
    title="Gadhafi vows to crush rebellion in the east",
    source="Northern Wire",
    published="2011-02-23",
    text=(
        "Libyan leader Moammar Gadhafi vowed on Tuesday to fight to his last drop of blood, "
        "in a rambling televised speech from a bombed-out building in Tripoli.\n\n"
        '"I will die a martyr at the end," Gadhafi said, calling the protesters rats and '
        "agents of foreign powers.\n\n"
        "Rebels control most of the eastern city of Benghazi."
    ),
)

MINISTRY = ArticleInput(
    id="border-talks",
    title="China and India hold border talks",
    source="Asia Desk",
    published="2016-06-14",
    text=(
        "Chinese and Indian diplomats met in Beijing on Monday for a new round of talks on "
        "their disputed Himalayan border.\n\n"
        '"Both sides agreed to keep the peace along the border," a Foreign Ministry '
        "spokesman, Lu Kang, said at a regular news briefing.\n\n"
        "India's external affairs ministry did not comment on the talks.\n\n"
        "Finance Minister Arun Jaitley said trade between the two countries would grow "
        "despite the dispute."
    ),
)

PENSIONS = ArticleInput(
    id="paris-pensions",
    title="French pension reform passes first vote",
    source="Europe Daily",
    published="2023-03-20",
    text=(
        "The French National Assembly narrowly approved a plan on Monday to raise the "
        "retirement age from 62 to 64.\n\n"
        "French President Emmanuel Macron said the reform was necessary to keep the pension "
        "system from running out of money.\n\n"
        "Unions have called a nationwide strike for Thursday."
    ),
)

BUDGET = ArticleInput(
    id="city-budget-cuts",
    title="City budget cuts library hours",
    source="Harbor Times",
    published="2026-02-02",
    text=(
        "Helga Brandt, the city's budget commissioner, presented a plan on Tuesday that "
        "would cut library opening hours by a fifth.\n\n"
        "Councillor Tom Reyes said the budget commissioner's plan would hurt students "
        "most.\n\n"
        '"We cannot spend money that we do not have," Brandt told the council.'
    ),
)

IMF = ArticleInput(
    id="imf-outlook",
    title="IMF cuts its growth forecast",
    source="Europe Daily",
    published="2026-04-14",
    text=(
        "Kristalina Georgieva, the head of the IMF, warned on Tuesday that world growth "
        "would slow to 2.6 percent this year.\n\n"
        '"Debt is now the biggest risk to the recovery," Georgieva told reporters in '
        "Washington.\n\n"
        "The fund will publish its full outlook next week."
    ),
)

NEWSROOM = [KIM_TRIP, BIKE_LANES, FIRE, OBAMA_TRIP, LIBYA, MINISTRY, PENSIONS, BUDGET, IMF]
