"""factory_boy factories; a Trait per grant status, as in Hypha."""

import datetime
import hashlib

import factory
from django.contrib.auth.models import Group, User
from django.core.files.base import ContentFile
from django.utils import timezone

from grants.models import Disbursement, Grant, GrantEvent, Program
from imports.models import ImportBatch
from institutions.models import (
    Beneficiary,
    District,
    Institution,
    InstitutionDocument,
    Participant,
    Regency,
    Speaker,
    TrainingEvent,
    Village,
)


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="id_ID")
    password = factory.django.Password("rahasia-uji-123")

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs) -> None:
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))


class RegencyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Regency
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"99.{n % 100:02d}")
    name = factory.LazyAttribute(lambda o: f"Kabupaten Uji {o.code}")
    kind = Regency.Kind.KABUPATEN


class DistrictFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = District
        django_get_or_create = ("code",)

    regency = factory.SubFactory(RegencyFactory)
    code = factory.LazyAttributeSequence(lambda o, n: f"{o.regency.code}.{n % 100:02d}")
    name = factory.LazyAttribute(lambda o: f"Kecamatan {o.code}")


class VillageFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Village
        django_get_or_create = ("code",)

    district = factory.SubFactory(DistrictFactory)
    code = factory.LazyAttributeSequence(
        lambda o, n: f"{o.district.code}.{2001 + n % 1000:04d}"
    )
    name = factory.LazyAttribute(lambda o: f"Desa {o.code}")
    kind = Village.Kind.DESA


# The smallest PDF `common.uploads` accepts: its header and its end marker.
TINY_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def add_documents(institution: Institution, **kwargs) -> list[InstitutionDocument]:
    """Every required document of the institution, in force without expiry."""
    return InstitutionDocument.objects.bulk_create(
        [
            InstitutionDocument(
                institution=institution,
                kind=kind,
                number=f"{kind.value.upper()}/{institution.pk}",
                file=ContentFile(TINY_PDF, name="scan.pdf"),
                **kwargs,
            )
            for kind in InstitutionDocument.REQUIRED_KINDS
        ]
    )


class InstitutionFactory(factory.django.DjangoModelFactory):
    """An institution with all five required documents (`documents=False`: none)."""

    class Meta:
        model = Institution
        skip_postgeneration_save = True

    kind = Institution.Kind.WKSBM
    wksbm_type = factory.LazyAttribute(
        lambda o: (
            Institution.WksbmType.MAJELIS_TAKLIM
            if o.kind == Institution.Kind.WKSBM
            else ""
        )
    )
    name = factory.Sequence(lambda n: f"Majelis Taklim Uji {n}")
    village = factory.SubFactory(VillageFactory)
    leader_name = factory.Faker("name", locale="id_ID")
    # What verification and payment need on record.
    registration_number = factory.Sequence(lambda n: f"460/UJI/{n:05d}")
    npwp = factory.Sequence(lambda n: f"0{100000000000000 + n}")
    bank_name = "Bank SulutGo"
    account_number = factory.Sequence(lambda n: f"{5000000000 + n}")
    account_holder = factory.LazyAttribute(lambda o: o.name)

    @factory.post_generation
    def documents(self, create, extracted, **kwargs):
        if create and extracted is not False:
            add_documents(self)

    class Params:
        without_papers = factory.Trait(
            registration_number="",
            npwp="",
            bank_name="",
            account_number="",
            account_holder="",
        )
        karang_taruna = factory.Trait(
            kind=Institution.Kind.KARANG_TARUNA,
            name=factory.Sequence(lambda n: f"Karang Taruna Uji {n}"),
        )
        lksa = factory.Trait(
            kind=Institution.Kind.LKSA,
            name=factory.Sequence(lambda n: f"LKSA Uji {n}"),
            permit_number=factory.Sequence(lambda n: f"IZN/{n}/2023"),
            permit_expires_on=datetime.date(2099, 12, 31),
            accreditation=Institution.Accreditation.B,
            accreditation_expires_on=datetime.date(2099, 12, 31),
        )


def this_year() -> int:
    return timezone.localdate().year


class ProgramFactory(factory.django.DjangoModelFactory):
    """This year's programme: the one proposals can go into."""

    class Meta:
        model = Program

    year = factory.LazyFunction(this_year)
    name = factory.Sequence(lambda n: f"Bantuan Sosial Lembaga Uji {n}")
    budget_ceiling = 1_000_000_000
    checklist = factory.LazyFunction(lambda: ["Proposal", "KTP ketua"])


class GrantFactory(factory.django.DjangoModelFactory):
    """A grant row in a given status, written directly (no service, no events)."""

    class Meta:
        model = Grant

    program = factory.SubFactory(ProgramFactory)
    institution = factory.SubFactory(InstitutionFactory)
    amount = 10_000_000
    status = Grant.Status.PROPOSED

    class Params:
        # Verified against the institution's account as it stands.
        account_verified = factory.Trait(
            verified_bank_name=factory.LazyAttribute(lambda o: o.institution.bank_name),
            verified_account_number=factory.LazyAttribute(
                lambda o: o.institution.account_number
            ),
            verified_account_holder=factory.LazyAttribute(
                lambda o: o.institution.account_holder
            ),
            bank_verified_at=factory.LazyFunction(timezone.now),
        )
        decreed = factory.Trait(
            decree_number="SK/UJI/1",
            # The first days of the year: a payment dated today is never before them.
            decree_date=factory.LazyAttribute(
                lambda o: datetime.date(o.program.year, 1, 1)
            ),
            nphd_number="NPHD/UJI/1",
            nphd_date=factory.LazyAttribute(
                lambda o: datetime.date(o.program.year, 1, 2)
            ),
        )
        verified = factory.Trait(status=Grant.Status.VERIFIED, account_verified=True)
        approved = factory.Trait(
            status=Grant.Status.APPROVED, account_verified=True, decreed=True
        )
        disbursed = factory.Trait(
            status=Grant.Status.DISBURSED, account_verified=True, decreed=True
        )
        rejected = factory.Trait(status=Grant.Status.REJECTED)


class GrantEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GrantEvent

    grant = factory.SubFactory(GrantFactory)
    from_status = ""
    to_status = Grant.Status.PROPOSED


class DisbursementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Disbursement

    grant = factory.SubFactory(GrantFactory, disbursed=True)
    paid_on = factory.LazyAttribute(lambda o: datetime.date(o.grant.program.year, 6, 1))
    amount = factory.LazyAttribute(lambda o: o.grant.amount)


class BeneficiaryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Beneficiary

    # 75.02.01, born 05/08/1990 (a woman: day + 40), serial from the sequence.
    nik = factory.Sequence(lambda n: f"750201450890{n + 1:04d}")
    name = factory.Faker("name", locale="id_ID")
    category = Beneficiary.Category.ELDERLY
    village = factory.SubFactory(VillageFactory)


class TrainingEventFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TrainingEvent

    title = factory.Sequence(lambda n: f"Bimtek Uji {n}")
    start_date = datetime.date(2024, 8, 1)
    end_date = datetime.date(2024, 8, 1)
    venue = "Aula Dinas Sosial"
    regency = factory.SubFactory(RegencyFactory)


class SpeakerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Speaker

    event = factory.SubFactory(TrainingEventFactory)
    name = factory.Sequence(lambda n: f"Narasumber {n}")


class ParticipantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Participant

    event = factory.SubFactory(TrainingEventFactory)
    institution = factory.SubFactory(InstitutionFactory)
    person_name = factory.Sequence(lambda n: f"Peserta {n}")


SAMPLE_LIST = (
    b"tahun;jenis_lembaga;nama_lembaga;kode_desa;nilai_bantuan\r\n"
    b"2024;WKSBM;Majelis Taklim Contoh;75.02.01.2004;10.000.000\r\n"
)


class ImportBatchFactory(factory.django.DjangoModelFactory):
    """A recipient list awaiting confirmation (its file needs the regions loaded)."""

    class Meta:
        model = ImportBatch

    kind = ImportBatch.Kind.RECIPIENTS
    status = ImportBatch.Status.PREVIEWED
    file_name = "daftar_penerima.csv"
    file = factory.django.FileField(filename="daftar_penerima.csv", data=SAMPLE_LIST)
    sha256 = hashlib.sha256(SAMPLE_LIST).hexdigest()
    size = len(SAMPLE_LIST)


class InstitutionDocumentFactory(factory.django.DjangoModelFactory):
    """One document scan (a tiny PDF) of an institution made without documents."""

    class Meta:
        model = InstitutionDocument

    institution = factory.SubFactory(InstitutionFactory, documents=False)
    kind = InstitutionDocument.Kind.DEED
    number = factory.Sequence(lambda n: f"DOK/{n:04d}")
    file = factory.django.FileField(filename="scan.pdf", data=TINY_PDF)


def png_bytes(size: tuple[int, int] = (4, 4)) -> bytes:
    """A real PNG image, as a phone photo of an activity would be."""
    import io

    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(buffer, format="PNG")
    return buffer.getvalue()


def scan_upload(name: str = "bukti.pdf", data: bytes = TINY_PDF):
    """An uploaded scan, as a browser sends it."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def lpj_evidence(*kinds: str) -> dict:
    """Evidence for an LPJ (`record_lpj(evidence=...)`): one scan per kind,
    every kind (the supporting photos too) when none is named."""
    from grants.models import LpjEvidenceKind

    chosen = kinds or tuple(LpjEvidenceKind.values)
    return {
        kind: [scan_upload(f"{kind}.png", png_bytes())]
        if kind == "foto"
        else [scan_upload(f"{kind}.pdf")]
        for kind in chosen
    }


class LpjRoundFactory(factory.django.DjangoModelFactory):
    """A submission round of an existing LPJ (`report=`), as recorded."""

    class Meta:
        model = "grants.LpjRound"

    number = 1
    submitted_on = factory.LazyAttribute(lambda o: o.report.submitted_on)
    amount_spent = factory.LazyAttribute(lambda o: o.report.amount_spent)
    refund_amount = factory.LazyAttribute(lambda o: o.report.refund_amount)


class LpjItemReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = "grants.LpjItemReview"

    round = factory.SubFactory(LpjRoundFactory)
    kind = "kuitansi"
    in_order = False
    note = "Kuitansi tidak terbaca"


class LpjEvidenceFactory(factory.django.DjangoModelFactory):
    """One evidence file (a tiny PDF) of an existing LPJ (`report=`)."""

    class Meta:
        model = "grants.LpjEvidence"

    kind = "penggunaan"
    round = 1
    file = factory.django.FileField(filename="scan.pdf", data=TINY_PDF)


class LpjReminderFactory(factory.django.DjangoModelFactory):
    """A reminder recorded and sent about a grant's LPJ (`grant=`)."""

    class Meta:
        model = "grants.LpjReminder"

    kind = "sebelum-14"
    recipient = factory.Sequence(lambda n: f"lembaga{n}@example.org")
    due_date = factory.LazyAttribute(lambda o: o.grant.program.lpj_due_date)
    sent_at = factory.LazyFunction(timezone.now)
    attempts = 1
