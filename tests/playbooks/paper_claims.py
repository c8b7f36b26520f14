"""What each guide attributes to the seed paper, and the paper's own words for it.

Every sentence of a guide that speaks for the paper ("the paper recommends…", "it says…",
"one participant mentioned…") must contain one of the `guide_says` fragments listed for that
guide below, and each fragment is paired with the words of the paper it rests on, checked
verbatim against tests/playbooks/data/ran-2021-mental-health-drr.txt (the RAN conclusion paper,
2021). A claim that the paper does *not* discuss something lists words the paper never uses.

Reviewing a guide's attribution means reading this list next to the guide: is the guide's
sentence as strong as the quote, no stronger? ("One participant mentioned" stays a mention;
"might" stays "might".) The test then keeps it that way.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Claim:
    guide_says: str  # a fragment of the guide's sentence, case-insensitive
    paper_says: str = ""  # the paper's words, verbatim (spacing and quote marks aside)
    absent: tuple[str, ...] = ()  # for "the paper does not discuss …": words it never uses


C = Claim

TRANSPARENT_SHARING = "Be transparent about the sharing of information"
SHARING_TEAM = "The individual is aware that agencies communicate with each other"
ROLES_CLEAR = "the role of the organisation is clear as compared to the legislative section"
HELPS_GET_DONE = "make sure you are seen as a party that helps them get things done"
PRACTICAL_NEEDS = (
    "The needs of released extremist offenders are mostly practical needs and a need for "
    "healing trauma"
)
FUNCTION_OF_JOINING = (
    "What functioning is behind the desire to join an extremist group (e.g. feeling of belonging)"
)
HOBBIES = "Hobbies like playing music are often intertwined with the extremist group"
ACCEPTED_EMPLOYED = (
    "The more the individual is accepted, employed, and seeing that the reintegration and "
    "rehabilitation programme works for them, the higher the likeliness that positive change "
    "will be durable"
)
SHARED_MESSAGES = "Create shared messages between stakeholders"
NOT_CHALLENGING = (
    "Most participants agreed that during therapy or treatment it is not recommended to start "
    "by challenging the ideology"
)
OPEN_CONVERSATION = (
    "it is important to have an open conversation on how this ideology affects the life of the "
    "individual rather than to refute it right away"
)
CBT_SCHEMA = (
    "Examples of varieties chosen for treatment that addresses ideology include cognitive "
    "behavioural therapy and/or scheme therapy"
)
GROUP_AFFILIATION = "The most important difference between the two is group affiliation"
IDENTITY = "The extremist ideology of the group often becomes (part of) someone's identity"
HEALTHY_UNHEALTHY = (
    "The individuals have to learn to make a distinction between healthy and unhealthy "
    "relationships"
)
FUNDAMENTALIST = "People growing up in a fundamentalistic environment have nothing to fall back on"
AFRAID_OUTSIDE = "They are often afraid of the life outside the group"
ATTACHMENT = "Some individuals might have attachment issues"
ATTACHMENT_GROUP = "Their attachment patterns are built in the (radical) group"
COMMITMENT = (
    "You know someone is committed when they have not been in contact with certain "
    "persons/groups, they do not want to use violence any longer, they have cooperated with the "
    "police"
)
MONITOR_COMPLIANCE = "Monitor compliance and motivation and help when it lags"
UPFRONT = "Be upfront when needed. It was advised to choose an empathic confrontation approach"
CONSEQUENCES = (
    "Professionals need to be clear about the consequences when the level of engagement is not "
    "enough"
)
NOT_BUYING = 'Be clear when you are not "buying it"'
BEST_INTEREST = "It needs to be clear that this is in the individual's best interest"
BEHAVIOURS_INCARCERATION = (
    "it is necessary for them to stop the behaviours leading to incarceration"
)
BEHAVIOURAL_CHANGES = (
    "One participant mentioned that you have to be clear on what behavioural changes are needed "
    "to make progress during treatment"
)
IMPRESSION = "Impression management was also mentioned as important"
JAIL = "it was recommended to use that someone does not want to go back to jail as motivation"
MORE_THINGS = 'Make clear that there are more things in the world that will "work" for them'
GERMAN_STEP1 = (
    "The first step of the mental health professional is to support and discuss from a "
    "consultant role with social workers"
)
GERMAN_STEP2 = (
    "The second step is to see the person — if needed — in a session and offer (long-term) therapy"
)
SYSTEM_AROUND = "Try and understand the system around the client"
BROKEN_DOWN = (
    "Look at where relations have broken down, the shame, the world view of the family and the "
    "community"
)
REBUILD_FAMILY = (
    "When possible and not a threat to the individual's DRR, try rebuilding the family and/or "
    "community structure"
)
TRIGGERS_TEAM = (
    "All the stakeholders in the team need be adept in how to approach the individual during "
    "hard times caused by a trigger"
)
TRIGGERS_CONFRONTATION = (
    "If not properly addressed, this will lead to confrontation with stakeholders and the "
    "community the individual wishes to integrate in"
)
TRIGGERS_EXAMPLES = "Dealing with triggers (e.g. death in family, community rejection"
STIGMA = "Extremist offenders might experience stigmatisation by the community upon their release"
MH_STIGMA = (
    "Often there is a stigma in society concerning mental health issues which makes it even more "
    "difficult to seek mental health support"
)
ACTIVE_LISTENING = (
    "Through active listening and consideration of interpretative bias (cognitive remediation)"
)
TRAUMA_STRENGTH = (
    "it was recommended that DRR programmes have a trauma (5) and strength-based approach"
)
MI_UNWILLING = "Motivational interviewing was recommended as a useful tool"
NOT_LINEAR = "rehabilitation and reintegration is not a linear process and obstacles will emerge"
CONTINUITY = "the continuity of treatment is crucial"
CONTINUITY_HARD = (
    "Sometimes this is difficult due to the lack of cooperation and information sharing between "
    "mental health systems in and outside of prisons"
)
OWNERSHIP = "Developing plans with the individual will provide them with ownership"
REFLECT_SPACE = (
    "stakeholders need space and time to reflect on the chosen approaches, the clients and the "
    "procedures"
)
OTHER_PROFESSION = "keep the other profession in mind"
SUPERVISION = "team supervision is seen as a good practice"
STRUCTURES = (
    "Develop structured sessions and tools (e.g. practice guide for intervention) that all "
    "stakeholders are familiar with"
)
DOCUMENTED = "This also includes documented decision-making"
PANEL = "Create a multi-agency panel that oversees the DRR programme"
PANEL_MONTHLY = "It was advised to review this on a monthly basis"
PANEL_SERVICES = "The panel assists with services and advice based on their expertise"
CASE_MANAGER = "You need a single person who is responsible for the case and has ownership"
EVALUATION = (
    "Ongoing external evaluation (9) and contributing to what we know — use it to guide in "
    "refining the service"
)
BODY_OF_KNOWLEDGE = "This is another reason to document what we are doing and why"
SWEDEN = (
    "the mental health practitioners serve as consultants who identify who could work with a "
    "certain individual"
)
SWEDEN_VOLUNTEERS = (
    "In Sweden, mental health providers help as volunteers in a virtual support programme"
)
REJECTED = (
    "A system like this is important since clients are sometimes rejected when they look for "
    "help in a private practice"
)
DEPRESSION = (
    "Extremist offenders might end up clinically depressed after being arrested for a failed "
    "terrorist attack"
)
PARADOX = "this can enhance their motivation to fight for a cause again"
PARADOX_FEW = "This paradoxical consequence is only a possibility for a small number of people"
RISK_MANAGEMENT = "it is something to consider in terms of multi-agency risk management"
MEDICATION = (
    "Certain problems related to mental illness (e.g. disillusions, suspiciousness) might "
    "disappear with the proper medication"
)
ATTRACTED = "Some people are attracted to extremist thoughts due to their mental illness"
PRIMARY_CARE = "it is important to motivate them to receive some primary mental health help first"
EXPLAIN_WHY = (
    "Professionals involved in the rehabilitation and reintegration programme need to be able to "
    "explain why they are engaging with the individual"
)
TRUST = "Trust comes from personal relations and transparency"

PAPER_CLAIMS: dict[str, list[Claim]] = {
    "after-being-upfront": [
        C("advises being upfront when needed, with an empathic confrontation approach", UPFRONT),
        C("clear about the consequences when the level of engagement is not enough", CONSEQUENCES),
        C('clear when they are not "buying it"', NOT_BUYING),
        C("in the individual's best interest", BEST_INTEREST),
        C("stopping the behaviours leading to incarceration", BEHAVIOURS_INCARCERATION),
        C(
            "one participant mentioned that you have to be clear on what behavioural changes",
            BEHAVIOURAL_CHANGES,
        ),
        C(
            "impression management (shaping how you come across) was also mentioned as important",
            IMPRESSION,
        ),
    ],
    "alcohol-drugs-overdose": [
        C(
            "does not discuss substance use directly",
            absent=("alcohol", "drug", "substance", "overdose"),
        ),
        C("trauma- and strength-based approach", TRAUMA_STRENGTH),
        C("motivational interviewing to motivate unwilling clients", MI_UNWILLING),
    ],
    "anniversaries-trials-media": [
        C(
            "be adept in how to approach the individual during hard times caused by a trigger",
            TRIGGERS_TEAM,
        ),
        C("recommends shared messages between stakeholders", SHARED_MESSAGES),
        C(
            "does not discuss anniversaries or the media directly",
            absent=("anniversar", "journalist", "court", "trial"),
        ),
    ],
    "bereavement-illness-in-family": [
        C("gives a death in the family as an example of a trigger", TRIGGERS_EXAMPLES),
        C("will lead to confrontation with stakeholders", TRIGGERS_CONFRONTATION),
        C("be adept in approaching the individual during such hard times", TRIGGERS_TEAM),
    ],
    "community-rejection-stigma": [
        C("might experience stigmatisation by the community upon their release", STIGMA),
        C("makes it even more difficult to seek mental health support", MH_STIGMA),
        C("names community rejection as a trigger", TRIGGERS_EXAMPLES),
        C("active listening and consideration of interpretative bias", ACTIVE_LISTENING),
        C("the higher the likeliness that positive change will be durable", ACCEPTED_EMPLOYED),
    ],
    "confrontation-rupture": [
        C(
            "prepare other stakeholders for confrontational individuals",
            "Mental health professionals need to explain to other stakeholders what to expect, "
            "normalise it and prepare them for the associated behaviours",
        ),
        C(
            "equip them with tools to deal with ruptures in the relationship",
            "Equip them with the tools needed to deal with ruptures in the relationship",
        ),
        C(
            "help with conflict resolution",
            "Mental health professionals can help in conflict "
            "resolution and getting on the same page again",
        ),
        C("triggers not properly addressed will lead to confrontation", TRIGGERS_CONFRONTATION),
        C("seen as a party that helps the client get things done", HELPS_GET_DONE),
        C("not a linear process", NOT_LINEAR),
    ],
    "contact-from-former-group": [
        C("group affiliation the most important difference", GROUP_AFFILIATION),
        C("often becomes part of someone's identity", IDENTITY),
        C("what functioning is behind the desire to join", FUNCTION_OF_JOINING),
        C("distinction between healthy and unhealthy relationships", HEALTHY_UNHEALTHY),
        C("nothing to fall back on", FUNDAMENTALIST),
        C("often afraid of the life outside the group", AFRAID_OUTSIDE),
        C("often intertwined with the extremist group", HOBBIES),
        C(
            'calls it key to redirect them to other music "communities"',
            'It is key to redirect them to other music "communities"',
        ),
        C(
            "not having been in contact with certain persons or groups as a sign of commitment",
            COMMITMENT,
        ),
    ],
    "depression-hopelessness": [
        C(
            "might end up clinically depressed after being arrested for a failed terrorist attack",
            DEPRESSION,
        ),
        C("can enhance the person's motivation to fight for a cause again", PARADOX),
        C("only a possibility for a small number of people", PARADOX_FEW),
        C("multi-agency risk management", RISK_MANAGEMENT),
        C(
            "german model in the paper: a psychologist first advises the social worker",
            GERMAN_STEP1,
        ),
    ],
    "discharge-self-management-plan": [
        C(
            "process surrounding discharge be structured and tailored to the individual",
            "The process surrounding discharge needs to be structured and tailored to the "
            "individual",
        ),
        C("residual risk considerations", "any residual risk considerations"),
        C("a risk assessment of return", "risk assessment of return"),
        C(
            "key behaviours of concern",
            "key behaviours of concern and strategies to deal with these concerns for themselves",
        ),
        C(
            "re-engage with staff",
            "identifying where they can get help and make sure they can re-engage with staff",
        ),
        C("developing plans with the individual gives them ownership", OWNERSHIP),
        C("documented decision-making", DOCUMENTED),
        C("ongoing external evaluation", EVALUATION),
    ],
    "empathic-confrontation": [
        C(
            "one of the methods discussed in the meeting",
            'Empathic confrontation approach: have challenging and "difficult" conversations with '
            "the offenders on what is expected from them",
        ),
        C("advises choosing an empathic confrontation approach", UPFRONT),
        C("clear consequences when engagement is not enough", CONSEQUENCES),
        C('clear when you are not "buying it"', NOT_BUYING),
        C("in the individual's best interest", BEST_INTEREST),
        C(
            "one participant mentioned that you have to be clear on what behavioural changes",
            BEHAVIOURAL_CHANGES,
        ),
    ],
    "extremist-content-online": [
        C("hobbies such as music are often intertwined with the extremist group", HOBBIES),
        C(
            "recommends redirecting people to other communities",
            'It is key to redirect them to other music "communities"',
        ),
        C("understanding the function behind the desire to join", FUNCTION_OF_JOINING),
        C("monitoring compliance and motivation", MONITOR_COMPLIANCE),
        C(
            "strengthening critical thinking and problem solving",
            "try and increase the individual's insights into critical thinking and problem solving",
        ),
        C(
            "does not discuss online content or licence conditions",
            absent=("internet", "licence", "channel", "forum"),
        ),
        C("keeps role divisions clear as the paper asks", "Role divisions are clear"),
    ],
    "family-conflict-breakup": [
        C("understand the system around the client", SYSTEM_AROUND),
        C("where relations have broken down, the shame, the world view", BROKEN_DOWN),
        C("rebuild family structures when possible and not a threat", REBUILD_FAMILY),
        C("might have attachment issues", ATTACHMENT),
        C("attachment patterns built in the (radical) group", ATTACHMENT_GROUP),
        C("learn to tell healthy from unhealthy relationships", HEALTHY_UNHEALTHY),
        C(
            "prepared for ruptures in relationships",
            "A mental health professional plays a role in preparing these individuals for "
            "ruptures in the relationships",
        ),
    ],
    "family-pressure-relatives": [
        C("understand the system around the client", SYSTEM_AROUND),
        C("where relations have broken down, the shame, the world view", BROKEN_DOWN),
        C("rebuild the family structure only when possible and not a threat", REBUILD_FAMILY),
        C("the client understands how agencies share information", SHARING_TEAM),
    ],
    "impulsive-choices-adhd": [
        C(
            "often difficult to motivate for long-term goals",
            "Individuals with Attention deficit hyperactivity disorder (ADHD) are often difficult "
            "to motivate for long-term goals",
        ),
        C("very prone to short-term solutions", "They are very prone to short-term solutions"),
        C(
            "may not be beneficial for their rehabilitation or reintegration",
            "These may not be beneficial for their rehabilitation or reintegration",
        ),
        C("actively steer them away from that", "you have to actively steer them away from that"),
    ],
    "intelligence-service-suspicion": [
        C("explain why they are engaging with the individual", EXPLAIN_WHY),
        C("transparent about the sharing of information", TRANSPARENT_SHARING),
        C("role divisions clear compared with the legislative side", ROLES_CLEAR),
        C("a party that helps them get things done", HELPS_GET_DONE),
        C(
            "suspiciousness can be a problem related to mental illness that might disappear",
            MEDICATION,
        ),
    ],
    "intent-to-harm-disclosure": [
        C("does not discuss disclosures of intent", absent=("disclos", "intent")),
    ],
    "losing-work-housing-benefits": [
        C("mostly practical needs and a need for healing trauma", PRACTICAL_NEEDS),
        C("the higher the likeliness that positive change will be durable", ACCEPTED_EMPLOYED),
        C("seen as a party that helps the client get things done", HELPS_GET_DONE),
        C("multi-agency panel that assists with services and advice", PANEL_SERVICES),
        C('more things in the world that will "work" for them', MORE_THINGS),
    ],
    "media-exposure-doxxing": [
        C("might experience stigmatisation by the community upon their release", STIGMA),
        C("names community rejection as a trigger", TRIGGERS_EXAMPLES),
        C("will lead to confrontation with stakeholders", TRIGGERS_CONFRONTATION),
        C("the higher the likeliness that positive change will be durable", ACCEPTED_EMPLOYED),
        C("creating shared messages between stakeholders", SHARED_MESSAGES),
        C(
            "does not discuss the media or doxxing directly",
            absent=("journalist", "doxx", "newspaper", "the press"),
        ),
    ],
    "mental-illness-flaring": [
        C("attracted to extremist thoughts due to their mental illness", ATTRACTED),
        C("might disappear with the proper medication", MEDICATION),
        C("primary mental health help first", PRIMARY_CARE),
        C(
            "needs to be managed first through medication",
            "this needs to be managed first through medication",
        ),
        C('the paper\'s text says "disillusions"', "disillusions"),
        C("german model in the paper: the psychologist first advises you", GERMAN_STEP1),
    ],
    "mentor-own-safety": [
        C(
            "does not discuss the safety of mentors",
            absent=("safety", "home visit", "secondary trauma"),
        ),
        C("names team supervision as a good practice", SUPERVISION),
        C("get space and time to reflect", REFLECT_SPACE),
    ],
    "motivational-interviewing": [
        C(
            "recommends motivational interviewing as a useful tool to motivate unwilling clients",
            MI_UNWILLING,
        ),
        C("when compliance and motivation lag", MONITOR_COMPLIANCE),
        C(
            "clarifying the strengths and aspirations of the client",
            "Key aspects are clarifying the strengths and aspirations of the client, evoking their "
            "own motivations for change and promoting autonomy of decision-making",
        ),
        C("does not want to go back to jail as motivation", JAIL),
        C('more things in the world that will "work" for them', MORE_THINGS),
    ],
    "new-identity-belonging": [
        C("group affiliation the most important difference", GROUP_AFFILIATION),
        C("often becomes part of someone's identity", IDENTITY),
        C(
            "needed to rebuild a social identity",
            "it is also important to understand group affiliation to be able to rebuild their "
            "social identity",
        ),
        C("function behind the desire to join", FUNCTION_OF_JOINING),
        C("often intertwined with the extremist group", HOBBIES),
        C(
            'calls it key to redirect them to other music "communities"',
            'It is key to redirect them to other music "communities", and support them in their '
            "change to different surroundings",
        ),
        C("learn to tell healthy from unhealthy relationships", HEALTHY_UNHEALTHY),
        C(
            "prepared for ruptures and equipped to repair them",
            "should equip them to repair the relationships",
        ),
        C("might have attachment issues", ATTACHMENT),
        C("attachment patterns built in the group", ATTACHMENT_GROUP),
        C("nothing to fall back on", FUNDAMENTALIST),
        C("often afraid of the life outside the group", AFRAID_OUTSIDE),
        C("the more likely positive change is to last", ACCEPTED_EMPLOYED),
    ],
    "no-therapist-waiting-list": [
        C(
            "in sweden, mental health providers volunteer in a virtual support programme",
            SWEDEN_VOLUNTEERS,
        ),
        C("consultants who identify who could work with a certain individual", SWEDEN),
        C("clients are sometimes rejected when they look for help in a private practice", REJECTED),
        C("supports and discusses from a consultant role with the social worker", GERMAN_STEP1),
        C("offers (long-term) therapy", GERMAN_STEP2),
        C("multi-agency panel that oversees the programme, reviewed monthly", PANEL_MONTHLY),
        C("assists with services and advice", PANEL_SERVICES),
    ],
    "not-opening-with-ideology": [
        C("most participants in the meeting agreed", NOT_CHALLENGING),
        C(
            "open conversation on how the ideology affects the life of the individual",
            OPEN_CONVERSATION,
        ),
        C("mostly practical needs and a need for healing trauma", PRACTICAL_NEEDS),
        C("function behind the desire to join", FUNCTION_OF_JOINING),
        C("cognitive behavioural therapy and schema therapy as examples of treatment", CBT_SCHEMA),
    ],
    "psycho-education-timing": [
        C(
            "psycho-educational approach was mentioned in the meeting",
            "The psycho-educational approach was mentioned as a way to make extremist offenders "
            "understand why they have ended up in a certain group and how this affected them",
        ),
        C(
            "its goal is helping people understand mental health conditions",
            "The goal of psycho-education is helping people understand mental health conditions",
        ),
        C(
            "it was stressed that psycho-education needs to take place when the ground is",
            "It was stressed that psycho-education needs to take place when the ground is "
            '"fertile"',
        ),
        C(
            "reflect on what is going on inside them and in the group",
            "This is the case when they can reflect on what is going on inside and what is going "
            "on in the group",
        ),
    ],
    "recall-breach-rearrest": [
        C("calls continuity of treatment crucial", CONTINUITY),
        C(
            "sometimes difficult because of the lack of cooperation",
            "Sometimes this is difficult due to the lack of cooperation",
        ),
        C("clear about the consequences when the level of engagement is not enough", CONSEQUENCES),
        C("stopping the behaviours leading to incarceration", BEHAVIOURS_INCARCERATION),
        C("does not want to go back to jail as motivation", JAIL),
        C("not a linear process and that obstacles will emerge", NOT_LINEAR),
    ],
    "recurring-conflict-personality-disorder": [
        C(
            "exceptionally hard to reintegrate an individual",
            "Personality disorders make it exceptionally hard to reintegrate an individual and to "
            "resolve confrontation and conflict with staff",
        ),
        C(
            "explain to other stakeholders what to expect, normalise it and prepare them",
            "Mental health professionals need to explain to other stakeholders what to expect, "
            "normalise it and prepare them for the associated behaviours",
        ),
        C("help them understand the cycle", "Help them understand the cycle"),
        C(
            "tools to deal with ruptures in the relationship",
            "Equip them with the tools needed to deal with ruptures in the relationship",
        ),
        C(
            "also needs to be a focus of treatment",
            "This also needs to be a focus of their treatment",
        ),
        C("raising it in the session", "Raise this in the session"),
        C(
            "conflict resolution and getting on the same page again",
            "Mental health professionals can help in conflict resolution and getting on the same "
            "page again",
        ),
        C("calls team supervision a good practice", SUPERVISION),
        C("shared messages between stakeholders", SHARED_MESSAGES),
    ],
    "release-day-first-weeks": [
        C("calls continuity of treatment crucial", CONTINUITY),
        C("sometimes difficult due to the lack of cooperation", CONTINUITY_HARD),
        C(
            "release information form crucial paperwork",
            "the release information form is crucial paperwork",
        ),
        C("in france, the injunction of care", "In France, there is the injunction of care"),
        C(
            "redirected to public healthcare or associations",
            "Released offenders are mostly redirected towards the public or national healthcare "
            "system or associations",
        ),
        C(
            "team ter",
            "Team TER, specialised in extremist offenders to ensure a smooth "
            "transition back into society",
        ),
        C("mostly practical needs and a need for healing trauma", PRACTICAL_NEEDS),
        C("single responsible case manager", CASE_MANAGER),
        C("developing plans with the individual gives them ownership", OWNERSHIP),
    ],
    "religious-ideological-questions": [
        C("most participants in the meeting agreed", NOT_CHALLENGING),
        C("open conversation on how the ideology affects the person's life", OPEN_CONVERSATION),
        C("cognitive behavioural therapy and schema therapy as examples of treatment", CBT_SCHEMA),
        C(
            "gives the pairs programme as an example",
            "The PAIRS programme focuses on the rehabilitation and reintegration of Islamist "
            "violent extremists",
        ),
        C(
            "deconstruct their radical religious ideas and help them reclaim their autonomy",
            "The goal is to deconstruct their radical religious ideas and help them to reclaim "
            "their autonomy",
        ),
        C(
            "psychological counselling, exposure to new social environments and help with job",
            "psychological counselling, exposure to new social environments, and help with job "
            "searching",
        ),
        C(
            "points to an evaluation of the programme",
            "An evaluation of the programme can be found here",
        ),
    ],
    "repairing-family-community-ties": [
        C(
            "build bridges",
            "Build bridges. Case management needs to find ways to fill the gap of "
            "not being part of the extremist group",
        ),
        C("understand the system around the client", SYSTEM_AROUND),
        C("where relations have broken down, the shame", BROKEN_DOWN),
        C("when possible and not a threat to the individual's disengagement", REBUILD_FAMILY),
        C("by healing the traumas", "by healing the traumas and better connect to the client"),
        C(
            "tools to repair ruptured relationships",
            "Equip those involved with tools to repair ruptured relationships",
        ),
    ],
    "solution-focused-questions": [
        C(
            "goal-oriented form of therapy that focuses less on how a problem was derived",
            "a form of therapy that is goal-oriented and focuses less on how a problem was derived",
        ),
        C(
            "the goals are chosen by the client",
            "The assumption is that the goals for therapy will be chosen by the client",
        ),
        C(
            "resources and abilities",
            "the clients themselves have resources and abilities that "
            "they will use in making changes",
        ),
        C("sustained disengagement as the goal", "Sustained disengagement is the goal"),
        C("community integration", "they are there for the community integration"),
    ],
    "staying-in-lanes-commitment": [
        C("lack of coordination as a challenge", "Lack of coordination is a challenge"),
        C(
            "a sense of ownership can get lost",
            "If agencies and authorities work in silos, a sense of ownership can get lost",
        ),
        C(
            "staying in lanes by first deciding who does what",
            "Stay in lanes by first deciding who does what",
        ),
        C("single responsible case manager with ownership", CASE_MANAGER),
        C("keep the other profession in mind", OTHER_PROFESSION),
        C("documented decision-making", DOCUMENTED),
        C("information sharing is important", "Information sharing is important!"),
        C(
            "a learning process between stakeholders",
            "Make an agreement to see it as a learning process between stakeholders",
        ),
        C("reviewed on a monthly basis", PANEL_MONTHLY),
        C("has not been in contact with certain persons or groups", COMMITMENT),
        C(
            "risk of reoffending remains high when mental health issues are looked at in isolation",
            "The risk of reoffending remains high when mental health issues are looked at in "
            "isolation",
        ),
        C(
            "engagement and support program in new south wales",
            "The Engagement and Support Program is a community-based service in New South Wales, "
            "Australia",
        ),
        C(
            "multidisciplinary team provides holistic case management",
            "A multidisciplinary team provides holistic case management to individuals vulnerable "
            "to violent extremism",
        ),
    ],
    "suspected-false-compliance": [
        C(
            "calls false compliance a major challenge",
            "False compliance is a major challenge within the DRR trajectory of an extremist "
            "offender",
        ),
        C(
            "how do you know if something has changed their mindset",
            "How do you know if something has changed their mindset?",
        ),
        C("no contact with certain persons or groups", COMMITMENT),
        C("monitoring compliance and motivation and helping when it lags", MONITOR_COMPLIANCE),
        C('being clear when you are not "buying it"', NOT_BUYING),
        C("impression management was mentioned as important", IMPRESSION),
    ],
    "team-training-supervision": [
        C(
            "denmark was setting up a mentoring programme with the prison and probation services",
            "In Denmark, they are setting up a mentoring programme with the prison and probation "
            "services",
        ),
        C(
            "psychologists are involved in developing the programme",
            "Psychologists are involved in developing this programme and the mentors receive "
            "training from psychologists",
        ),
        C("space and time to reflect on their approaches", REFLECT_SPACE),
        C("keep the other profession in mind", OTHER_PROFESSION),
        C("calls team supervision a good practice", SUPERVISION),
        C("structured sessions and tools (such as a practice guide for intervention)", STRUCTURES),
        C("documented decision-making", DOCUMENTED),
        C("ongoing external evaluation, used to guide refining the service", EVALUATION),
        C("adding to the body of knowledge", "endeavour to add to the body of knowledge"),
        C("document what we are doing and why", BODY_OF_KNOWLEDGE),
        C(
            "names the aware project",
            "The AWARE project developed a training for practitioners to better respond to mental "
            "health issues in the detention environment",
        ),
        C(
            "training material available online",
            "Plenty of AWARE training material can be found here",
        ),
    ],
    "thinking-skills-and-stigma": [
        C(
            "stimulating cognitive abilities",
            "Empower the individuals by stimulating cognitive abilities",
        ),
        C(
            "critical thinking and problem solving",
            "try and increase the individual's insights into critical thinking and problem solving",
        ),
        C("help them build resilience", "This will help them build resilience"),
        C("might experience stigmatisation by the community upon release", STIGMA),
        C("makes it even more difficult to seek mental health support", MH_STIGMA),
        C("active listening and consideration of interpretative bias", ACTIVE_LISTENING),
    ],
    "transparency-goals-roles": [
        C("trust comes from personal relations and transparency", TRUST),
        C("explain why they are engaging with the individual", EXPLAIN_WHY),
        C(
            "choice of words and body language",
            "Take into account your choice of words and body language",
        ),
        C("speak in plain language", "Speak in plain language"),
        C(
            "without prejudices",
            "Put the individual at the centre without prejudices or negative attitudes",
        ),
        C(
            "transparency about the goals of the programme",
            "Be transparent about the goals of the programme",
        ),
        C("sustained disengagement as the goal", "Sustained disengagement is the goal"),
        C("agencies communicate and that it is a team effort", SHARING_TEAM),
        C("clear role divisions compared with the legislative section", ROLES_CLEAR),
        C("a party that helps them get things done", HELPS_GET_DONE),
        C("knows whom to ask what", "They know whom to ask what"),
        C("recommends shared messages between stakeholders", SHARED_MESSAGES),
    ],
    "trauma-reminders": [
        C("mostly practical needs and a need for healing trauma", PRACTICAL_NEEDS),
        C(
            "work with their past, their current situation and the future in parallel",
            "one has to parallelly work with their past, their current situation and the future",
        ),
        C(
            "sorting out and working through someone's experiences",
            "help in sorting out and working through someone's experiences",
        ),
        C("trauma and strength-based approach", TRAUMA_STRENGTH),
        C("german model in the paper: the psychologist advises", GERMAN_STEP1),
    ],
    "trust-shaken-information-sharing": [
        C("transparency about the sharing of information", TRANSPARENT_SHARING),
        C(
            "agencies communicate with each other and understands this is a team effort",
            SHARING_TEAM,
        ),
        C("clear role divisions compared with the legislative section", ROLES_CLEAR),
        C("a party that helps them get things done", HELPS_GET_DONE),
        C("trust comes from personal relations and transparency", TRUST),
    ],
    "unfamiliar-ideology-milieu": [
        C(
            "diversity of offenders as a challenge",
            "Due to the (ideological) diversity of the offender group, practitioners need to "
            "quickly work with every type of offender without knowing the specificities",
        ),
        C(
            "understand why someone is engaging in extremist behaviours",
            "Aim to understand why someone is engaging in extremist behaviours",
        ),
        C("what functioning lies behind the desire to join", FUNCTION_OF_JOINING),
        C("group affiliation the most important difference", GROUP_AFFILIATION),
    ],
    "victims-restorative-contact": [
        C(
            "does not discuss victims or restorative contact",
            absent=("victim", "restorative", "apolog"),
        ),
        C("create shared messages between stakeholders", SHARED_MESSAGES),
    ],
    "when-to-consult-psychologist": [
        C(
            "social workers are the main contact point",
            "In Germany, social workers are the main contact point for the released extremist "
            "offenders",
        ),
        C(
            "when they observe or experience difficulties",
            "The social workers can contact the psychologist when they observe or experience "
            "difficulties",
        ),
        C("swedish volunteer consultants", SWEDEN),
        C(
            "continuously important during the entire process",
            "the input from a mental health practitioner is continuously important during the "
            "entire process of DRR",
        ),
        C(
            "acting as a consultant or advisor",
            "one can act as a consultant or advisor to other stakeholders",
        ),
    ],
    "withdrawal-rupture": [
        C("monitoring compliance and motivation and helping when it lags", MONITOR_COMPLIANCE),
        C(
            "involving the individual in their own reintegration plan",
            "Involve the individual in their own reintegration plan",
        ),
        C("gives them ownership", OWNERSHIP),
        C("transparency about the programme", "Be transparent about the goals of the programme"),
    ],
}
