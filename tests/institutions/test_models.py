import datetime
from contextlib import contextmanager

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.forms import modelform_factory

from institutions.models import (
    Beneficiary,
    BeneficiaryEnrollment,
    District,
    Institution,
    Participant,
    Regency,
    Speaker,
    TrainingEvent,
    Village,
)
from institutions.validators import validate_phone
from tests.factories import (
    BeneficiaryFactory,
    InstitutionFactory,
    ParticipantFactory,
    RegencyFactory,
    SpeakerFactory,
    TrainingEventFactory,
    VillageFactory,
)

pytestmark = pytest.mark.django_db

VALID_NIK = "7502014508900001"  # 75.02.01, a woman born 05/08/1990, serial 0001


@contextmanager
def refused_by_database(constraint: str):
    """Expect the database itself to refuse the write, naming the constraint.

    SQLite names the columns, not the constraint, in a unique violation.
    """
    with pytest.raises(IntegrityError) as caught, transaction.atomic():
        yield
    message = str(caught.value)
    if connection.vendor == "sqlite" and message.startswith("UNIQUE"):
        return
    assert constraint in message


def validation_messages(instance) -> list[str]:
    with pytest.raises(ValidationError) as caught:
        instance.full_clean()
    return caught.value.messages


def make_regency_district_village() -> Village:
    regency = Regency.objects.create(
        code="75.02", name="Kabupaten Boalemo", kind=Regency.Kind.KABUPATEN
    )
    district = District.objects.create(
        code="75.02.01", regency=regency, name="Tilamuta"
    )
    return Village.objects.create(
        code="75.02.01.2001", district=district, name="Hungayo", kind=Village.Kind.DESA
    )


# Choices are held by the database, not only by forms ------------------------


@pytest.mark.parametrize(
    ("factory", "field", "value", "constraint"),
    [
        (RegencyFactory, "kind", "provinsi", "regency_kind_valid"),
        (VillageFactory, "kind", "dusun", "village_kind_valid"),
        (
            lambda: InstitutionFactory(wksbm_type=""),
            "kind",
            "koperasi",
            "institution_kind_valid",
        ),
        (
            InstitutionFactory,
            "wksbm_type",
            "arisan",
            "institution_wksbm_type_only_for_wksbm",
        ),
        (
            lambda: InstitutionFactory(lksa=True),
            "accreditation",
            "D",
            "institution_accreditation_only_for_lksa",
        ),
        (BeneficiaryFactory, "category", "miskin", "beneficiary_category_valid"),
        (TrainingEventFactory, "kind", "rapat", "training_kind_valid"),
        (TrainingEventFactory, "target_kind", "koperasi", "training_target_kind_valid"),
        (SpeakerFactory, "role", "moderator", "speaker_role_valid"),
        (ParticipantFactory, "role", "pembina", "participant_role_valid"),
    ],
    ids=[
        "regency-kind",
        "village-kind",
        "institution-kind",
        "wksbm-type",
        "accreditation",
        "beneficiary-category",
        "training-kind",
        "training-target-kind",
        "speaker-role",
        "participant-role",
    ],
)
def test_the_database_refuses_a_value_outside_the_choices(
    factory, field, value, constraint
):
    row = factory()
    model = type(row)

    with refused_by_database(constraint):
        model.objects.filter(pk=row.pk).update(**{field: value})

    assert getattr(model.objects.get(pk=row.pk), field) != value


def test_the_database_refuses_to_create_an_institution_of_an_unknown_kind():
    village = VillageFactory()

    with refused_by_database("institution_kind_valid"):
        Institution.objects.create(
            kind="koperasi", name="Koperasi Maju", village=village
        )


def test_full_clean_reports_a_value_outside_the_choices_on_its_field():
    institution = Institution(
        kind="koperasi", name="Koperasi Maju", village=VillageFactory()
    )

    with pytest.raises(ValidationError) as caught:
        institution.full_clean()

    assert "kind" in caught.value.message_dict


# Region codes -----------------------------------------------------------------


def test_region_codes_in_the_dotted_kemendagri_form_are_accepted():
    village = make_regency_district_village()

    assert village.code == "75.02.01.2001"
    assert village.regency_code == "75.02"
    assert Village.objects.get(code="75.02.01.2001").district.regency.code == "75.02"


@pytest.mark.parametrize("code", ["7502", "75.2", "75-02", "7.502", "ab.cd"])
def test_the_database_refuses_a_malformed_regency_code(code):
    with refused_by_database("regency_code_dotted"):
        Regency.objects.create(code=code, name="Salah", kind=Regency.Kind.KABUPATEN)


@pytest.mark.parametrize("code", ["750201", "75.02.1", "75.0201.", "75.02.0a"])
def test_the_database_refuses_a_malformed_district_code(code):
    regency = RegencyFactory(code="75.02")

    with refused_by_database("district_code_dotted"):
        District.objects.create(code=code, regency=regency, name="Salah")


def test_the_database_refuses_a_district_code_outside_its_regency():
    regency = RegencyFactory(code="75.02")

    with refused_by_database("district_code_within_regency"):
        District.objects.create(code="75.03.01", regency=regency, name="Salah")


def test_the_database_refuses_moving_a_district_to_another_regency():
    make_regency_district_village()
    other = RegencyFactory(code="75.03")

    with refused_by_database("district_code_within_regency"):
        District.objects.filter(code="75.02.01").update(regency=other)


@pytest.mark.parametrize(
    "code", ["75020120001", "75.02.01.201", "75.02.1.20011", "75.02.01.200a"]
)
def test_the_database_refuses_a_malformed_village_code(code):
    district = make_regency_district_village().district

    with refused_by_database("village_code_dotted"):
        Village.objects.create(
            code=code, district=district, name="Salah", kind=Village.Kind.DESA
        )


def test_the_database_refuses_a_village_code_outside_its_district():
    district = make_regency_district_village().district

    with refused_by_database("village_code_within_district"):
        Village.objects.create(
            code="75.02.02.2001", district=district, name="Salah", kind="desa"
        )


# Institutions -----------------------------------------------------------------


def test_a_wksbm_may_have_a_subtype_or_none():
    InstitutionFactory(wksbm_type=Institution.WksbmType.RUKUN_DUKA)
    InstitutionFactory(wksbm_type="")

    assert Institution.objects.count() == 2


@pytest.mark.parametrize("kind", ["karang_taruna", "lksa"])
def test_the_database_refuses_a_wksbm_subtype_on_another_kind(kind):
    village = VillageFactory()

    with refused_by_database("institution_wksbm_type_only_for_wksbm"):
        Institution.objects.create(
            kind=kind,
            wksbm_type=Institution.WksbmType.MAJELIS_TAKLIM,
            name="Lembaga Salah",
            village=village,
        )


@pytest.mark.parametrize("kind", ["wksbm", "karang_taruna"])
def test_the_database_refuses_an_accreditation_on_a_kind_other_than_lksa(kind):
    village = VillageFactory()

    with refused_by_database("institution_accreditation_only_for_lksa"):
        Institution.objects.create(
            kind=kind,
            accreditation=Institution.Accreditation.A,
            name="Lembaga Salah",
            village=village,
        )


def test_an_lksa_may_be_accredited():
    institution = InstitutionFactory(lksa=True, accreditation="A")

    assert Institution.objects.get(pk=institution.pk).accreditation == "A"


def test_the_database_refuses_a_second_karang_taruna_in_a_village():
    first = InstitutionFactory(karang_taruna=True)

    with refused_by_database("one_karang_taruna_per_village"):
        InstitutionFactory(karang_taruna=True, village=first.village)

    assert Institution.objects.filter(village=first.village).count() == 1


def test_the_database_refuses_moving_a_karang_taruna_into_a_village_that_has_one():
    first = InstitutionFactory(karang_taruna=True)
    second = InstitutionFactory(karang_taruna=True)

    with refused_by_database("one_karang_taruna_per_village"):
        Institution.objects.filter(pk=second.pk).update(village=first.village)


def test_karang_taruna_in_different_villages_are_fine():
    InstitutionFactory(karang_taruna=True)
    InstitutionFactory(karang_taruna=True)

    assert Institution.objects.filter(kind="karang_taruna").count() == 2


def test_a_village_may_have_several_wksbm_besides_its_karang_taruna():
    village = VillageFactory()
    InstitutionFactory(village=village)
    InstitutionFactory(village=village)
    InstitutionFactory(karang_taruna=True, village=village)

    assert village.institutions.count() == 3


def test_full_clean_says_the_village_already_has_a_karang_taruna():
    first = InstitutionFactory(karang_taruna=True)
    second = Institution(
        kind=Institution.Kind.KARANG_TARUNA,
        name="Karang Taruna Baru",
        village=first.village,
    )

    assert validation_messages(second) == [
        "Desa/kelurahan ini sudah memiliki Karang Taruna."
    ]


def test_full_clean_lets_a_karang_taruna_be_edited_in_place():
    institution = InstitutionFactory(karang_taruna=True)
    institution.leader_name = "Ketua Baru"

    institution.full_clean()


def test_saving_folds_spacing_in_the_name_and_keeps_the_normalised_key():
    institution = InstitutionFactory(name="  Majelis   Taklim Al-Ikhlas ")

    institution.refresh_from_db()
    assert institution.name == "Majelis Taklim Al-Ikhlas"
    assert institution.name_key == "majelis taklim al ikhlas"


def test_renaming_with_update_fields_also_updates_the_normalised_key():
    institution = InstitutionFactory(name="Majelis Taklim Al-Ikhlas")

    institution.name = "Majelis Taklim Nurul Huda"
    institution.save(update_fields=["name"])

    institution.refresh_from_db()
    assert institution.name_key == "majelis taklim nurul huda"


def test_the_database_refuses_the_same_institution_spelled_differently_in_a_village():
    first = InstitutionFactory(name="Majelis Taklim Al-Ikhlas")

    with refused_by_database("unique_institution_name_per_village"):
        InstitutionFactory(name="MAJELIS  TAKLIM AL IKHLAS", village=first.village)

    assert Institution.objects.count() == 1


def test_the_database_refuses_a_bypassing_update_that_duplicates_a_name_key():
    first = InstitutionFactory(name="Majelis Taklim Al-Ikhlas")
    second = InstitutionFactory(name="Majelis Taklim Nurul Huda", village=first.village)

    with refused_by_database("unique_institution_name_per_village"):
        Institution.objects.filter(pk=second.pk).update(name_key=first.name_key)


def test_the_same_name_in_another_village_is_fine():
    first = InstitutionFactory(name="Majelis Taklim Al-Ikhlas")
    InstitutionFactory(name="Majelis Taklim Al-Ikhlas")

    assert Institution.objects.filter(name_key=first.name_key).count() == 2


def test_the_same_name_of_another_kind_in_the_village_is_fine():
    first = InstitutionFactory(name="Al-Ikhlas")
    InstitutionFactory(lksa=True, name="Al Ikhlas", village=first.village)

    assert Institution.objects.filter(name_key="al ikhlas").count() == 2


def test_full_clean_says_the_institution_already_exists_in_the_village():
    first = InstitutionFactory(name="Majelis Taklim Al-Ikhlas")
    duplicate = Institution(
        kind=Institution.Kind.WKSBM,
        wksbm_type=Institution.WksbmType.MAJELIS_TAKLIM,
        name="MAJELIS  TAKLIM AL IKHLAS",
        village=first.village,
    )

    assert validation_messages(duplicate) == [
        "Lembaga sejenis dengan nama yang sama sudah ada di desa/kelurahan ini."
    ]


def test_a_model_form_reports_the_same_institution_spelled_differently():
    first = InstitutionFactory(name="Majelis Taklim Al-Ikhlas")
    form_class = modelform_factory(
        Institution, fields=["kind", "wksbm_type", "name", "village"]
    )
    form = form_class(
        data={
            "kind": "wksbm",
            "wksbm_type": "majelis_taklim",
            "name": "MAJELIS  TAKLIM AL IKHLAS",
            "village": first.village_id,
        }
    )

    assert not form.is_valid()
    assert form.non_field_errors() == [
        "Lembaga sejenis dengan nama yang sama sudah ada di desa/kelurahan ini."
    ]


def test_a_model_form_lets_an_institution_keep_its_own_name():
    institution = InstitutionFactory(name="Majelis Taklim Al-Ikhlas")
    form_class = modelform_factory(
        Institution, fields=["kind", "wksbm_type", "name", "village", "leader_name"]
    )
    form = form_class(
        instance=institution,
        data={
            "kind": "wksbm",
            "wksbm_type": "majelis_taklim",
            "name": "Majelis Taklim Al Ikhlas",
            "village": institution.village_id,
            "leader_name": "Ketua Baru",
        },
    )

    assert form.is_valid(), form.errors


def test_the_database_refuses_a_name_that_folds_to_nothing():
    village = VillageFactory()

    with refused_by_database("institution_name_not_blank"):
        Institution.objects.create(kind="wksbm", name="- - -", village=village)


def test_the_database_refuses_a_registration_number_used_twice():
    InstitutionFactory(registration_number="400/DINSOS/12/2023")

    with refused_by_database("unique_registration_number"):
        InstitutionFactory(registration_number="400/DINSOS/12/2023")


def test_institutions_without_a_registration_number_are_fine():
    InstitutionFactory(registration_number="")
    InstitutionFactory(registration_number="")

    assert Institution.objects.filter(registration_number="").count() == 2


def test_full_clean_says_the_registration_number_is_taken():
    InstitutionFactory(registration_number="400/DINSOS/12/2023")
    other = Institution(
        kind=Institution.Kind.WKSBM,
        name="Rukun Duka Sejahtera",
        village=VillageFactory(),
        registration_number="400/DINSOS/12/2023",
    )

    assert validation_messages(other) == [
        "Nomor register ini sudah dipakai lembaga lain."
    ]


@pytest.mark.parametrize(
    "npwp", ["01.234.567.8-901", "01234567890123", "0123456789-12345", "0123x"]
)
def test_the_database_refuses_an_npwp_that_is_not_15_or_16_digits(npwp):
    with refused_by_database("institution_npwp_digits"):
        InstitutionFactory(npwp=npwp)


@pytest.mark.parametrize("npwp", ["012345678901234", "0123456789012345"])
def test_the_database_accepts_an_npwp_of_15_or_16_digits(npwp):
    institution = InstitutionFactory(npwp=npwp)

    assert Institution.objects.get(pk=institution.pk).npwp == npwp


@pytest.mark.parametrize("account", ["123-456-789", "123 456", "12345a"])
def test_the_database_refuses_an_account_number_with_anything_but_digits(account):
    with refused_by_database("institution_account_number_digits"):
        InstitutionFactory(account_number=account)


def test_an_account_number_of_digits_with_a_leading_zero_is_kept_as_text():
    institution = InstitutionFactory(account_number="0012345678901")

    assert Institution.objects.get(pk=institution.pk).account_number == "0012345678901"


# Validators, through full_clean --------------------------------------------------


def institution_with(**fields) -> Institution:
    return Institution(
        kind=Institution.Kind.WKSBM,
        name="Majelis Taklim Validasi",
        village=VillageFactory(),
        **fields,
    )


@pytest.mark.parametrize("npwp", ["0123456789012345", "012345678901234"])
def test_full_clean_accepts_a_plain_npwp(npwp):
    institution_with(npwp=npwp).full_clean()


@pytest.mark.parametrize(
    "npwp",
    [
        "01.234.567.8-901.234",  # right digits, but stored with separators
        "12345",
        "1234567890123456",  # 16 digits not starting with 0 must be a NIK
    ],
)
def test_full_clean_rejects_a_bad_npwp_on_its_field(npwp):
    with pytest.raises(ValidationError) as caught:
        institution_with(npwp=npwp).full_clean()

    messages = caught.value.message_dict["npwp"]
    assert any(m.startswith(f"NPWP {npwp} tidak valid") for m in messages)


@pytest.mark.parametrize("account", ["123 456", "12-34", "rek123"])
def test_full_clean_rejects_an_account_number_with_separators(account):
    with pytest.raises(ValidationError) as caught:
        institution_with(account_number=account).full_clean()

    assert caught.value.message_dict["account_number"] == [
        "Hanya angka, tanpa spasi atau tanda baca."
    ]


@pytest.mark.parametrize(
    "phone", ["081234567890", "0812-3456-7890", "+62 812 3456 7890", "(0435) 821234"]
)
def test_the_phone_validator_accepts_digits_spaces_dashes_and_a_leading_plus(phone):
    validate_phone(phone)
    institution_with(phone=phone).full_clean()


@pytest.mark.parametrize(
    "phone",
    ["0812", "telepon kantor", "0812 3456 7890 1234", "62+81234567", "0812/345678"],
)
def test_the_phone_validator_rejects_what_is_not_a_phone_number(phone):
    with pytest.raises(ValidationError) as caught:
        institution_with(phone=phone).full_clean()

    assert caught.value.message_dict["phone"] == [
        "Nomor telepon harus 8 sampai 15 angka, boleh diawali +."
    ]


def beneficiary_with(nik: str) -> Beneficiary:
    return Beneficiary(
        nik=nik,
        name="Siti",
        category=Beneficiary.Category.ELDERLY,
        village=VillageFactory(),
    )


@pytest.mark.parametrize(
    "nik",
    [
        VALID_NIK,
        "7502010508900001",  # the same date for a man
        "7571017112650123",  # a woman born 31/12/1965 in Kota Gorontalo
    ],
)
def test_full_clean_accepts_a_well_formed_nik(nik):
    beneficiary_with(nik).full_clean()


@pytest.mark.parametrize(
    "nik",
    [
        "750201450890001",  # 15 digits
        "75020145089000011",  # 17 digits
        "7502017208900001",  # day 72 - 40 = 32
        "7502013213900001",  # month 13
        "9902014508900001",  # no province 99
        "75.02.01.450890.0001",  # right digits, but stored with dots
        "750201450890000a",
    ],
)
def test_full_clean_rejects_a_malformed_nik(nik):
    with pytest.raises(ValidationError) as caught:
        beneficiary_with(nik).full_clean()

    messages = caught.value.message_dict["nik"]
    assert any(m.startswith(f"NIK {nik} tidak valid") for m in messages)


@pytest.mark.parametrize(
    "nik", ["750201450890001", "0102014508900001", "75020145089O0001"]
)
def test_the_database_refuses_a_nik_that_is_not_sixteen_digits(nik):
    with refused_by_database("beneficiary_nik_sixteen_digits"):
        BeneficiaryFactory(nik=nik)


def test_the_database_refuses_the_same_nik_twice():
    BeneficiaryFactory(nik=VALID_NIK)

    with refused_by_database("institutions_beneficiary_nik"):
        BeneficiaryFactory(nik=VALID_NIK)


def test_full_clean_reports_a_nik_that_is_already_registered():
    BeneficiaryFactory(nik=VALID_NIK)

    with pytest.raises(ValidationError) as caught:
        beneficiary_with(VALID_NIK).full_clean()

    assert "nik" in caught.value.message_dict


# Beneficiary enrolments ------------------------------------------------------------


def test_the_database_refuses_enrolling_a_person_twice_in_one_institution_and_year():
    beneficiary = BeneficiaryFactory()
    institution = InstitutionFactory()
    BeneficiaryEnrollment.objects.create(
        beneficiary=beneficiary, institution=institution, year=2024
    )

    with refused_by_database("unique_beneficiary_enrollment"):
        BeneficiaryEnrollment.objects.create(
            beneficiary=beneficiary, institution=institution, year=2024
        )


@pytest.mark.parametrize("year", [1999, 2101])
def test_the_database_refuses_an_implausible_enrolment_year(year):
    with refused_by_database("enrollment_year_plausible"):
        BeneficiaryEnrollment.objects.create(
            beneficiary=BeneficiaryFactory(),
            institution=InstitutionFactory(),
            year=year,
        )


# Training events -------------------------------------------------------------


def test_the_database_refuses_a_training_that_ends_before_it_starts():
    with refused_by_database("training_ends_after_start"):
        TrainingEventFactory(
            start_date=datetime.date(2024, 8, 2), end_date=datetime.date(2024, 8, 1)
        )


def test_the_database_refuses_moving_a_training_start_after_its_end():
    event = TrainingEventFactory(
        start_date=datetime.date(2024, 8, 1), end_date=datetime.date(2024, 8, 3)
    )

    with refused_by_database("training_ends_after_start"):
        TrainingEvent.objects.filter(pk=event.pk).update(
            start_date=datetime.date(2024, 8, 4)
        )


def test_a_one_day_training_is_fine():
    event = TrainingEventFactory(
        start_date=datetime.date(2024, 8, 1), end_date=datetime.date(2024, 8, 1)
    )

    assert event.year == 2024


def test_full_clean_says_the_training_ends_before_it_starts():
    event = TrainingEvent(
        title="Bimtek LKSA",
        start_date=datetime.date(2024, 8, 2),
        end_date=datetime.date(2024, 8, 1),
        venue="Aula",
        regency=RegencyFactory(),
    )

    assert validation_messages(event) == [
        "Tanggal selesai tidak boleh sebelum tanggal mulai."
    ]


def test_the_database_refuses_the_same_participant_twice_at_an_event():
    participant = ParticipantFactory(person_name="Hasan Mooduto")

    with refused_by_database("unique_participant_per_event"):
        Participant.objects.create(
            event=participant.event,
            institution=participant.institution,
            person_name="Hasan Mooduto",
        )


def test_the_same_person_may_attend_another_event_or_two_people_one_event():
    participant = ParticipantFactory(person_name="Hasan Mooduto")
    ParticipantFactory(person_name="Hasan Mooduto", institution=participant.institution)
    ParticipantFactory(
        event=participant.event,
        institution=participant.institution,
        person_name="Rahma Pakaya",
    )

    assert Participant.objects.filter(institution=participant.institution).count() == 3


def test_the_database_refuses_the_same_speaker_twice_at_an_event():
    speaker = SpeakerFactory(name="Dr. Nurdin")

    with refused_by_database("unique_speaker_per_event"):
        Speaker.objects.create(event=speaker.event, name="Dr. Nurdin")


def test_a_name_of_only_punctuation_is_refused_with_a_clear_message(regions):
    from django.core.exceptions import ValidationError

    from institutions.models import Institution, Village

    institution = Institution(
        kind="wksbm",
        wksbm_type="paguyuban",
        name="---",
        village=Village.objects.get(code="75.02.01.2004"),
    )
    with pytest.raises(ValidationError) as error:
        institution.full_clean()
    assert "Nama lembaga harus memuat huruf atau angka." in str(error.value)
