"""Which sentences are findings at all.

A brief quotes what a source found, learned or recommends, never a question, a statement of aims, a
description of the methods or the sample, a limitation, a caption, nor a sentence about the paper itself
("This work advances the understanding of ..."). The rules read a sentence's first words and its shape;
they are written for research articles, reports and case studies in general, not for one journal. Which
*parts* of a document report findings is ``findings.py``.
"""

from __future__ import annotations

import re

# Sentences that are not findings, by their opening or shape.
_NOT_FINDING: list[tuple[str, re.Pattern[str]]] = [
    (
        # "Obesity and weight gain are risk factors for many adverse outcomes", "The link between housing and health
        # has been well established": what was known before the study, not what it found.
        "what was known already",
        re.compile(
            r"^(?![^.]*\b(?:we|our|this study|these|found|find|showed|shows|suggests?|indicates?|increased|"
            r"decreased|higher|lower)\b)\s*[\w ,/-]{1,60}?\b(?:is|are) (?:an? |the )?(?:(?:major|important|key|"
            r"known|leading|significant|well-known|modifiable|main) )?(?:risk factors?|causes?|determinants?) "
            r"(?:for|of)\b(?![^.]{0,80}\d)|"
            r"\b(?:has|have) (?:long )?been (?:well[- ])?(?:established|documented|recogni[sz]ed)\b|"
            # "Knowledge and beliefs are important factors that enable health behaviors such as screening".
            r"^(?![^.]*\b(?:we|our|this study|found|showed)\b)[^.]{1,80}?\b(?:is|are) (?:an? )?(?:important|key|critical|"
            r"major|known|well-known) (?:factors?|determinants?|predictors?|drivers?) (?:that|which) (?:enable|influence|"
            r"affect|shape|drive|determine|predict)s?\b|"
            r"^\s*(?:we know|it is (?:well |widely |now )?(?:known|accepted|recogni[sz]ed)) that\b|"
            r"\bare the (?:leading|main|major) (?:contributors|causes|drivers) (?:to|of)\b|"
            r"\b(?:is|are) well[- ](?:established|documented|known)\b",
            re.I,
        ),
    ),
    (
        "a caption",
        re.compile(
            r"^\s*(?:Figure|Fig\.|Table|Exhibit|Box|Appendix)\s+[A-Z]?\d+[A-Za-z]?\.?\s|"
            # "Percentage of adults with …, by number of conditions and epilepsy status, … Error bars indicate 95% CIs."
            r"\berror bars (?:indicate|show|represent|denote)\b|"
            r"^\s*(?:percentages?|proportions?|prevalence|numbers?|rates?) of [^.]{0,150}?,\s*by\s[^.]{0,120}?,\s*"
            r"[^.]{0,80}\b(?:19|20)\d\d\b",
            re.I,
        ),
    ),
    (
        # "Or maps of opioid overdoses, which demonstrated …": the rest of a sentence, cut from its start.
        "a fragment",
        re.compile(r"^\s*or\s", re.I),
    ),
    (
        # "Concept maps display perceived similarity of the 80 items": what a figure shows, not what was found.
        "a description of a figure",
        re.compile(
            r"^\s*(?:the |our |these )?(?:[\w-]+ )?(?:maps?|figures?|charts?|graphs?|panels?|plots?) (?:\d+ )?"
            r"(?:display|displays|show|shows|depict|depicts|illustrate|illustrates|present|presents)\b(?! that\b)",
            re.I,
        ),
    ),
    (
        # "55. Partnering with community organizations … 58. Use of multiple media …": a numbered list's items.
        "items of a numbered list",
        re.compile(r"(?:^|\s)\d{1,3}\.\s+[A-Z][^.]{3,}?\s\d{1,3}\.\s+[A-Z]"),
    ),
    (
        "a table's note",
        re.compile(
            r"^\s*(?:[a-z]\s+)?(?:data sources?:|values (?:are|were|represent)\b|based on (?:weighted |unweighted )?"
            r"(?:[\w-]+ ){0,2}(?:regression )?models?\b|abbreviations?:)|"
            # "… were not included in the table", "If the answer is yes, the respondent is considered to have …".
            r"\b(?:were|was) (?:not )?(?:included|excluded|shown) (?:in|from) the (?:table|figure)\b|"
            r"^\s*if the answer (?:to [^.]{0,60}?)?is (?:yes|no)\b|\bthe respondent (?:is|was) (?:considered|classified)\b|"
            r"^\s*percentages? (?:was|were) (?:age[- ])?(?:standardi[sz]ed|adjusted|weighted)\b",
            re.I,
        ),
    ),
    (
        "a statement of aims",
        re.compile(
            r"^\s*(?:the|our|this)\s+(?:\w+\s+){0,3}(?:aims?|objectives?|purposes?|goals?)\s+(?:of|was|were|is|are)\b|"
            r"^\s*(?:we|the authors|this (?:study|article|paper|report|analysis|evaluation|essay))\s+"
            r"(?:aimed|aims|sought|seeks|set out|intended|intend|wanted)\b|"
            r"^\s*(?:in|with)\s+this\s+(?:study|article|paper|report|essay|analysis|evaluation|commentary)\b.{0,40}\b"
            r"(?:we|the authors)\s+(?:describe|examine|explore|assess|present|report|discuss|propose|evaluate)|"
            r"^\s*(?:this|the present|our)\s+(?:study|article|paper|report|essay|analysis|evaluation|commentary)\s+"
            r"(?:describes|examines|explores|assesses|presents|reports on|discusses|evaluates|investigates|"
            r"examined|explored|assessed|evaluated|investigated|sought|aimed)\b|"
            r"^\s*(?:(?:however|moreover|furthermore|in addition|additionally|notably|importantly),?\s+)?"
            r"(?:to (?:our|the authors') knowledge|we hypothesi[sz]ed)",
            re.I,
        ),
    ),
    (
        "a description of the methods",
        re.compile(
            r"^\s*(?:we|the (?:research |study |evaluation )?team|researchers|the authors|investigators|interviewers)\s+"
            r"(?:then\s+|also\s+|first\s+)?(?:conducted|interviewed|surveyed|recruited|used|analy[sz]ed|collected|"
            r"abstracted|calculated|estimated|performed|coded|reviewed|searched|included|excluded|adapted|"
            r"compared|administered|applied|fitted|fit|ran|obtained|measured|assessed|selected|stratified|"
            r"adjusted|weighted|transcribed|audio-recorded|recorded|categori[sz]ed|linked|merged|defined|asked)\b|"
            r"^\s*(?:data|interviews|surveys|focus groups|participants|respondents|transcripts|analyses|"
            r"models|records)\s+(?:were|was)\s+(?:\w+ly\s+)?(?:collected|conducted|recruited|analy[sz]ed|coded|"
            r"transcribed|obtained|drawn|abstracted|asked|interviewed|invited|selected|excluded|included|"
            r"performed|used|weighted|stratified|adjusted|fitted|recorded|audio-recorded|gathered)\b|"
            r"^\s*(?:informed consent|institutional review board|the (?:\w+ )?irb\b)|"
            r"^\s*(?:the )?(?:chronic )?(?:conditions|outcomes|variables|covariates|measures|diseases) (?:included|"
            r"examined|assessed|considered) (?:were|was|are)\b|"
            # "To develop this toolkit, we performed literature scans …": what was done, with its purpose first.
            r"^\s*to (?:develop|build|create|design|identify|assess|evaluate|estimate|examine|understand|inform)\b"
            r"[^.]{0,120}?,\s*(?:we|the (?:research |study )?team|researchers|the authors)\s+(?:\w+ly\s+)?(?:performed|"
            r"conducted|used|reviewed|searched|engaged|interviewed|surveyed|convened|held|analy[sz]ed|collected|drew)\b|"
            r"\b(?:was|were) (?:used|performed|conducted) to (?:assess|estimate|examine|analy[sz]e|calculate|"
            r"test|compare|identify|determine)\b|"
            # "Criteria for participation … was that the prospective participant must be aged at least 18 years".
            r"\b(?:criteria for (?:participation|inclusion|eligibility)|(?:inclusion|exclusion|eligibility) criteria)\b"
            r"[^.]{0,40}\b(?:was|were|included|required)\b|"
            # "This evaluation had 3 primary outcomes", "The study had two aims".
            r"^\s*(?:this|the|our) (?:evaluation|study|analysis|survey|project|review|assessment) (?:had|has) "
            r"(?:\d+|two|three|four|five|several) (?:primary |main |secondary |key )?(?:outcomes?|objectives?|aims?|"
            r"goals?|components?|phases?|parts?|research questions?)\b",
            re.I,
        ),
    ),
    (
        "about the paper itself",
        re.compile(
            r"^\s*(?:this|our|the present|these)\s+(?:work|study|article|paper|report|analysis|research|"
            r"evaluation|findings|results|essay|framework|tool|model)\s+(?:\w+\s+){0,2}(?:advances?|contributes?|"
            r"adds?|fills?|extends?|builds? on|(?:can|could|may|might|will|should)\s+(?:help|be used|inform|guide|"
            r"serve|support|provide|contribute|assist|aid|benefit))\b|"
            r"\b(?:advance[sd]?|deepen(?:s|ed)?|expand(?:s|ed)?|broaden(?:s|ed)?) (?:the |our )?(?:understanding|"
            r"knowledge|literature|field|evaluation|science)\b|"
            # The study's tools and methods praised: "Our map provides valuable information", "Our evaluation
            # used rigorous methods".
            r"^\s*(?:our|this|the present) (?:map|maps|evaluation|tool|toolkit|dashboard|framework|approach|methods?|"
            r"model|data|analysis)\s+(?:\w+\s+){0,2}(?:provides?|offers?|used|uses|enabled|enables|allowed|allows)\b|"
            r"\bcontributes? to (?:the |a |our )?(?:growing )?(?:literature|body of (?:evidence|knowledge|"
            r"research)|evidence base)\b|"
            # "Future hypertension surveillance could leverage these timely EHR data": what may be done someday.
            r"^\s*future (?:[\w-]+ ){0,3}(?:could|may|might|can|will|should) (?:leverage|use|build on|explore|examine|"
            r"consider|benefit|expand|incorporate)\b|\b(?:could|might|may) prove (?:to be )?(?:\w+ )?(?:effective|"
            r"useful|valuable|successful|beneficial)\b|"
            r"^\s*(?:future|further|more|additional)\s+(?:research|studies|work|evaluation|investigation)s?\b"
            r".{0,120}?\b(?:is|are|will be|would be|should|could|may|might|can)\b|"
            r"^\s*(?:our|this|the present|these) (?:study|study's|study’s|findings|results|analysis|work|data)\s+"
            r"(?:\w+\s+){0,3}(?:highlights?|underscores?|emphasi[sz]es|demonstrates?|illustrates?|reinforces?|"
            r"points? to|speaks? to) (?:the )?(?:importance|need|value|potential)\b|"
            r"^\s*(?:the )?(?:results|findings) (?:(?:of|from) (?:this|our|the present) (?:study|analysis|report|"
            r"evaluation) )?(?:highlight|underscore|emphasi[sz]e|demonstrate) the (?:importance|need|value|effects?|"
            r"impacts?|role)\b|"
            r"\b(?:our|these|the) (?:study )?(?:findings|results) (?:also )?(?:have|has|hold|carry) (?:\w+ )?"
            r"implications\b|\b(?:results|findings) (?:can|could|may|will) (?:help|inform|guide|assist)\b|"
            r"\bfindings (?:from|of) (?:this|our|the present) (?:study|analysis|report)\b.{0,80}?\b(?:can|could|may|will) "
            r"(?:help|inform|guide|assist)\b|\b(?:our|these|the) (?:findings|results) should be (?:viewed|interpreted|"
            r"considered|read|understood)\b|"
            r"\b(?:in|of|from) this (?:collection|issue|special issue|supplement|series)\b|"
            r"^\s*(?:this|the|our) (?:collection|issue|special issue|supplement|series) (?:will )?(?:feature|features|"
            r"include|includes|highlight|highlights|showcase|showcases)\b|"
            r"^\s*this (?:comprehensive |holistic |integrated )?approach (?:ensures|will ensure|can ensure)\b|"
            # "These maps play an important role in improving stroke systems of care": the work's own importance.
            r"^\s*(?:these|this|our|the (?:present|current)) (?:[\w-]+ )?(?:maps?|tools?|toolkits?|data|findings|"
            r"results|resources?|dashboards?|work|study|analysis|estimates|approach|model|framework)\s+(?:\w+\s+)?"
            r"(?:play|plays|can play|could play|may play|will play) an? (?:\w+ )?role\b",
            re.I,
        ),
    ),
    (
        "what will be done with the results",
        re.compile(
            r"^\s*(?:the|these|our|this) (?:findings|results|information|maps?|data|tool|dashboard|toolkit)\s+"
            r"(?:(?:from|of) (?:this|the|our) (?:study|project|evaluation|analysis|pilot|survey|assessment)\s+)?"
            r"(?:will|can also|could also|"
            r"will also)\s+(?:be used|help|inform|guide|serve|highlight|allow|be shared)\b|"
            # "Moving forward, the prioritized focus areas and strategies can inform the state's new cancer plan".
            r"^\s*(?:(?:moving|going) forward|in the future|ultimately),?\s+(?:the|these|our)\b[^.]{0,80}?\b(?:can|could|"
            r"will|may) (?:inform|guide|help shape|be used)\b|"
            # "… these data may provide insight into future prevention strategies, facilitate programmatic development".
            r"\b(?:these|our|the study's|the) (?:data|findings|results|estimates|maps)\s+(?:may|can|could|will) "
            r"(?:provide (?:insight|information|guidance)|help inform|inform future|facilitate|guide future)\b|"
            r"\bwill (?:share|disseminate|publish|present) (?:the |these |its |their |our )?(?:results|findings|"
            r"lessons|data|maps?)\b|\bwill become (?:more|increasingly|better)\b",
            re.I,
        ),
    ),
    (
        "how the method was checked",
        re.compile(
            # "This finding helped establish the face validity of our prevalence estimate".
            r"\b(?:face|construct|content|external|internal|criterion) validity\b|"
            r"\bvalidat(?:e|ed|es|ing) (?:our|the|these|this|its) (?:\w+ ){0,2}(?:estimates?|models?|measures?|"
            r"approach|method|instrument|results|findings)\b|"
            # "Participants lost to follow-up did not have significantly different measurements": attrition checked.
            r"\b(?:lost to follow-up|who (?:dropped out|left the (?:study|program)))\b[^.]{0,120}?\b(?:did not|was not|"
            r"were not) (?:\w+ ){0,2}(?:differ|different)",
            re.I,
        ),
    ),
    (
        "framing",
        re.compile(
            # "As we delve into the transformative potential of AI …", "As the sectors navigate their way through
            # digital transformation, several challenges emerge".
            r"^\s*as (?:we|the [\w-]+(?: [\w-]+){0,7}) (?:delve|navigate|move|look ahead|enter|explore|embark|"
            r"continue to navigate)\b",
            re.I,
        ),
    ),
    (
        "a call for monitoring or research",
        re.compile(
            r"^\s*(?:continued |ongoing |further |additional |regular |routine |more |future )?(?:surveillance|"
            r"monitoring|tracking|data collection|evaluation|research|studies)\b.{0,200}?\b(?:is|are|remains?|will be)"
            r"\s+(?:\w+ )?(?:needed|warranted|necessary|critical|essential|important|required|vital)\b|"
            r"^\s*(?:continued |ongoing |further |future )?(?:monitoring|surveillance|tracking)\b.{0,160}?\b(?:can|"
            r"could|may|will) (?:help|inform|show|tell|determine)\b|"
            # "Improving understanding about the reasons adults may be undiagnosed … can help guide prevention".
            r"^\s*(?:improving|increasing|deepening|a better|better|further|more) (?:our )?understanding (?:of|about)\b"
            r".{0,200}?\b(?:can|could|may|will|would) (?:help|inform|guide|support)\b",
            re.I,
        ),
    ),
    (
        "a call for unnamed action",
        re.compile(
            # "Tailored interventions are needed to address these disparities", "it is crucial to design
            # interventions that address …": what to do, without saying what.
            r"^\s*(?:(?:more|further|new|additional|tailored|targeted|public health|community[–-]clinical|"
            r"comprehensive|effective|evidence-based|multilevel|culturally \w+)\s+){0,3}(?:interventions?|strategies|"
            r"efforts|approaches|actions?|measures|policies)(?: (?:that|to) [^,.;]{0,90}?)? (?:are|is) (?:\w+ )?"
            r"(?:needed|crucial|essential|necessary|warranted|required|critical|vital)\b|"
            r"\bit is (?:\w+ )?(?:crucial|essential|important|necessary|critical|vital) to (?:design|develop|implement|"
            r"create|consider|build) (?:\w+ ){0,2}(?:interventions?|strategies|programs|approaches|policies)\b|"
            r"\b(?:much|more|work|further work) (?:still )?(?:must|needs to|remains to|has to) be done\b|"
            # "The sustainability of produce box distribution programs should also be considered."
            r"^[^.;:]{0,90}? (?:should|must|needs? to) (?:also )?be (?:considered|taken into account|kept in mind|"
            r"explored|examined)\s*\.?\s*$",
            re.I,
        ),
    ),
    (
        "an explanation offered, not found",
        re.compile(
            r"^\s*(?:a |one |another )?(?:plausible|possible|potential|likely|alternative) explanation\b",
            re.I,
        ),
    ),
    (
        "a count of the studies reviewed",
        re.compile(
            r"(?:^\s*(?:of (?:the|these|all)\s+)?[a-z]+(?:-[a-z]+)?|\b\d[\d,]*) (?:articles|studies|publications|papers|"
            r"reports|records|trials|reviews)\s+(?:were|was|met|that met|had been|are|underwent)\s+(?:\w+\s+){0,2}"
            r"(?:included|identified|reviewed|screened|retrieved|eligible|selected|excluded|the inclusion|inclusion|"
            r"full-text|abstract|title)\b|\b\d[\d,]* (?:met|fulfilled) (?:the |our )?(?:inclusion|eligibility) criteria\b|"
            # "Across the 14 studies that included a focus on nutrition, 7 described the nutritional component".
            r"^\s*(?:across|of|among|in) (?:the |these |all )?\d+ (?:included )?(?:studies|trials|articles|reviews|"
            r"interventions)\b[^.]{0,120}?\b\d+ (?:\w+ )?(?:described|reported|included|used|recommended|assessed|"
            r"examined|focused|measured|were)\b|"
            r"^\s*(?:we|the (?:search|review|authors))\s+(?:identified|included|screened|retrieved|found|reviewed)\s+"
            r"(?:\d[\d,]*|[a-z]+(?:-[a-z]+)?) (?:articles|studies|publications|papers|reports|records|trials)\b",
            re.I,
        ),
    ),
    (
        "a study described, not its finding",
        re.compile(
            r"^\s*[A-Z][\w'’-]+ (?:and|&) (?:colleagues|coworkers|co-workers)\s*(?:\([^)]*\)\s*)?(?:evaluated|"
            r"examined|assessed|surveyed|analy[sz]ed|studied|reviewed|conducted|interviewed|used|explored|"
            r"investigated|described)\b[^.]*\.?\s*$|"
            r"^\s*(?:stage|step|phase) \d+\b.{0,80}?\b(?:involved|included|consisted|used)\b|"
            r"\bconfirmatory factor analy",
            re.I,
        ),
    ),
    (
        "a statement that names no factor",
        re.compile(
            r"^\s*(?:several|many|various|multiple|some|a number of) (?:[\w-]+ ){0,4}(?:factors|characteristics|"
            r"variables) (?:were|was) (?:\w+ )?associated with [^,;]{0,80}\.?\s*$",
            re.I,
        ),
    ),
    (
        "a limitation of the study",
        re.compile(
            r"^\s*(?:first|second|third|fourth|finally|another|a (?:further|second|third|final|key|main|"
            r"major|notable) )?,?\s*(?:limitation|weakness)|\blimitations? (?:of|to) (?:this|our|the (?:present|"
            r"current)) (?:study|analysis|evaluation|review)\b|\b(?:this|our) (?:study|analysis|evaluation|"
            r"review|sample) (?:has|had|is subject to|was subject to) (?:\w+\s+){0,3}limitations?\b|"
            r"\b(?:may|might) not be generali[sz]able\b|\bgenerali[sz]ability\b|\bself-reported?\b.{0,60}\b"
            r"(?:bias|subject to)\b|\bsocial desirability\b|\brecall bias\b|\bselection bias\b|"
            r"\bcannot (?:establish|infer|determine) causa|\bcross-sectional (?:design|nature)\b|"
            r"\b(?:restrict|limit)(?:s|ed|ing)? (?:our|the) ability\b|\bwe (?:controlled|adjusted) for\b|"
            r"\b(?:data ?set|data|survey|sample) (?:did|does) not (?:have|include|capture|allow)\b|"
            r"\b(?:we|the authors) (?:were|was) (?:not able|unable) to\b|\bbecause we lacked\b|\bwe lacked (?:data|"
            r"information|measures|laboratory|clinical|individual)\b|"
            # "This reliance on diagnosis codes may have resulted in an underestimation …", "… should be interpreted
            # with caution".
            r"\b(?:may|might|could) have (?:resulted in|led to|caused) (?:an? )?(?:under|over)[- ]?(?:estimat|report|"
            r"count)|\bshould be interpreted (?:\w+ )?with caution\b|"
            r"\bwe (?:did not|could not|do not|cannot) (?:have|obtain|access|collect|capture|assess|measure|account "
            r"for)\b|"
            # "Diet often co-occurs with other behavioral factors …": what may confound the association.
            r"\b(?:residual|unmeasured|potential) confound(?:ing|ers?)\b|\bconfounding (?:may|might|could)\b|"
            r"\bmay (?:have )?(?:been )?confounded\b|\bco-occurs? with\b|"
            r"\b(?:may|might|could) have (?:biased|underestimated|overestimated|inflated|affected) (?:our|the|these) "
            r"(?:results|estimates|findings)\b|"
            # A caveat about measuring, not an obstacle met: "it may be difficult to document increases in …".
            r"\b(?:difficult|hard|challenging|impossible) to (?:document|detect|measure|assess|observe|capture|"
            r"demonstrate|quantify|attribute|disentangle)\b",
            re.I,
        ),
    ),
    (
        "a statement that names no factor",
        re.compile(
            r"\b(?:present|presents|presented|pose|poses|posed|face|faces|faced|encounter|encountered|emerge|emerges|"
            r"emerged|exist|exists|existed|remain|remains|remained)\s+(?:several |many |some |significant |notable |"
            r"unique |numerous |multiple |additional |important )?(?:challenges|barriers|obstacles)\s*\.?\s*$|"
            # "Using EHR data is necessary …, but it is not without serious limitations."
            r"\bnot without (?:\w+ )?(?:limitations|challenges|problems|drawbacks|risks|difficulties)\s*\.?\s*$|"
            r"^\s*(?:addressing|overcoming|tackling|meeting|navigating) (?:these|those|such|the|this) (?:challenges?|"
            r"barriers?|obstacles?)\b",
            re.I,
        ),
    ),
    (
        # "… remains a public health priority", "This finding was expected and is consistent with prior studies":
        # the authors placing a result, not a result.
        "a statement that names no finding",
        re.compile(
            r"\bremains? (?:an? )?(?:important |key |critical |major |top |urgent )?(?:public health )?"
            r"priorit(?:y|ies)\s*\.?\s*$|"
            r"^\s*(?:this|these|our|the) (?:\w+ )?(?:findings?|results?) (?:was|were|is|are) (?:expected|"
            r"(?:largely |broadly )?(?:consistent|in line|in keeping) with (?:those of |the )?(?:prior|previous|"
            r"earlier|other|existing) (?:studies|research|reports|literature|work))\b",
            re.I,
        ),
    ),
    (
        "the study's own strengths or novelty",
        re.compile(
            r"\b(?:a |one |another |the )?(?:key |major |main |notable |particular )?strengths? of (?:this|our|the "
            r"(?:present|current)) (?:study|analysis|evaluation|review|work|approach)\b|^\s*(?:this|our) (?:study|"
            r"analysis|evaluation|work) (?:is|was) (?:the first|one of the first|among the first|unique|novel)\b|"
            r"^\s*(?:(?:however|moreover|furthermore|in addition|additionally|notably|importantly),?\s+)?"
            r"to (?:our|the authors') knowledge\b",
            re.I,
        ),
    ),
    (
        "a description of the sample",
        re.compile(
            r"^\s*(?:our|the|this) (?:final |analytic )?(?:analysis|study|sample|survey|evaluation|review|cohort) "
            r"(?:included|includes|comprised|consisted of|enrolled) (?:data (?:from|on) )?(?:a total of )?"
            r"[\d,]+ (?:[\w-]+,? ){0,4}(?:respondents|participants|patients|adults|children|people|persons|individuals|"
            r"households|students|records|women|men|youths?|adolescents|mothers|infants|births|deliveries|"
            r"pregnancies|visits|encounters|claims|hospitali[sz]ations)\b|"
            # "Of the 546,466 children eligible in 2019, 78,641 (14%) were eligible all year": who was counted.
            r"^\s*of (?:the|these|all|those) [\d,]+ (?:[^.]|\.(?=\d)){0,120}?\b(?:were|was) (?:eligible|included|"
            r"excluded|enrolled|retained|analy[sz]ed)\b|"
            # "A substantial proportion of patients had unknown race and ethnicity (20%)": what the data lack.
            r"\b(?:had|were of) (?:an? )?(?:unknown|missing|unrecorded) (?:race|ethnicity|sex|age|data|values|"
            r"information|status)\b|^\s*missingness\b|"
            r"\b(?:mean|median|average) age\b|^\s*(?:our|the) (?:study |analytic |final )?(?:population|sample|"
            r"cohort)\b|\b(?:race|ethnicity|sex|gender) was (?:identified|reported|recorded|self-reported)\b|"
            # "A higher proportion of these patients were female (59%) than male", "Over half were non-Hispanic
            # White": who was in the sample.
            r"^\s*(?:a (?:higher|larger|greater|smaller|lower) (?:proportion|share|percentage) of (?:these|the|our) "
            r"(?:patients|participants|respondents|members|enrollees)|over half|more than half|about half|most "
            r"(?:patients|participants|respondents|enrollees))\b[^.]{0,40}?\b(?:were|was)\s+(?:non-Hispanic|female|"
            r"male|women|men|White|Black|Hispanic|Latin[oax]|Asian|married)\b|"
            r"^\s*(?:comparison|control|intervention) group (?:respondents|participants|members)\b|^\s*(?:of (?:the|all) )?(?:\d[\d,.]*%? (?:\([^)]*\) )?(?:of (?:the )?)?)?"
            r"(?:study )?(?:participants|respondents|interviewees|the sample|the cohort)\b[^.]{0,80}\b(?:were|was)\s+"
            r"(?:female|male|women|men|white|black|hispanic|latin[oa]|asian|aged|married|employed|insured|recruited|"
            r"enrolled|between)\b|^\s*(?:most|(?:the majority|more than half|half|nearly \w+) of)\s+(?:the )?(?:study )?"
            r"(?:participants|respondents|interviewees)\s+(?:were|was)\s+(?:female|male|women|men|white|black|"
            r"hispanic|aged|married|employed)\b",
            re.I,
        ),
    ),
    (
        "furniture (thanks, funding, disclosures)",
        re.compile(
            r"^\s*(?:we|the authors)\s+(?:thank|acknowledge|are grateful|gratefully)\b|^\s*thank you\b|\bfunded by\b|"
            r"\b(?:grant|award|cooperative agreement) (?:no\.?|number|#)|\bsupported (?:in part )?by (?:grant|"
            r"funding|the national|a grant|an award)\b|\bconflicts? of interest\b|\bno (?:potential )?"
            r"(?:conflicts|competing)\b|\bthe (?:findings|opinions|views) (?:and conclusions )?(?:in|expressed in)"
            r" this (?:report|article|paper) are those of the authors\b|\bdo not necessarily (?:represent|"
            r"reflect)\b|\bcorresponding author\b|\bsuggested citation\b|\bno copyrighted material\b",
            re.I,
        ),
    ),
]


def not_a_finding(sentence: str) -> str:
    """Return why a sentence is not a finding (a question, an aim, a method, ...), or "" when it may be one."""
    text = sentence.strip()
    if text.endswith("?") or text.rstrip("”\"’'").endswith("?"):
        return "a question"
    for why, pattern in _NOT_FINDING:
        if pattern.search(text):
            return why
    return ""
